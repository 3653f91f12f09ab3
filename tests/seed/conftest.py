"""Fixtures of the seed tests."""
from __future__ import annotations

import pytest

from tests.seed.seed_helpers import SCALE


@pytest.fixture
def seeded(app, runner, frozen_clock):
    """A database seeded by ``flask seed --students 600 --seed 11`` with the clock frozen."""
    result = runner.invoke(args=["seed", "--students", str(SCALE), "--seed", "11"])
    assert result.exit_code == 0, result.output
    return result.output
