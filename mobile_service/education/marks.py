"""Progress-report figures: GPA and D/F count of a term's marks.

Not a CALPADS rule: CALPADS holds only final, credit-bearing marks, and LEAs "should not submit
'progress report' grades" (Guide 2.3.6, p. 157). Progress reports come from district extracts;
GPA is the unweighted 4-point mean of letter marks, pass/fail and other marks left out.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

GRADE_POINTS = {"A": 4, "B": 3, "C": 2, "D": 1, "F": 0}


def mark_points(mark: str | None) -> int | None:
    """Grade points of a letter mark (A=4 .. F=0, +/- ignored); None for P/NP/I/W/CR/NC and others."""
    text = (mark or "").strip().upper()
    if not text or text[0] not in GRADE_POINTS or text[1:] not in ("", "+", "-"):
        return None
    return GRADE_POINTS[text[0]]


def is_d_or_f(mark: str | None) -> bool:
    """Whether a mark is a D or an F (with or without +/-)."""
    points = mark_points(mark)
    return points is not None and points <= 1


@dataclass(frozen=True)
class Marks:
    """Term figures of one progress report."""

    gpa: Decimal | None  # unweighted mean of letter marks, 2 places; None without letter marks
    graded_count: int
    df_count: int


def term_marks(marks: Iterable[str | None]) -> Marks:
    """GPA and D/F count of a term's marks; non-letter marks are left out of the GPA."""
    points = [p for p in (mark_points(m) for m in marks) if p is not None]
    gpa = None
    if points:
        gpa = (Decimal(sum(points)) / Decimal(len(points))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return Marks(gpa=gpa, graded_count=len(points), df_count=sum(1 for p in points if p <= 1))
