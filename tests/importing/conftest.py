"""Fixtures of the importer tests: CSV files and the schools/students every other kind needs."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from mobile_service.importing import run_import
from tests.importing.import_helpers import SCHOOLS, STUDENTS


@pytest.fixture
def csv_file(tmp_path) -> Callable[[str, str], Path]:
    """Write ``content`` (str, UTF-8, or bytes as given) to a file and return its path."""
    def write(content: str | bytes, name: str = "data.csv") -> Path:
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")
        return path
    return write


@pytest.fixture
def loaded(ctx, csv_file) -> None:
    """Schools and students loaded (the prerequisites of the district and DCFS kinds)."""
    run_import("schools", csv_file(SCHOOLS, "schools.csv"))
    run_import("students", csv_file(STUDENTS, "students.csv"))
