"""The travel plan's life cycle (DCFS 0900-520.20, Procedure and Approvals), as a table."""
from __future__ import annotations

import pytest

from mobile_service.travel import workflow

# --- the plan's life cycle --------------------------------------------------------------------------

# "Submit the FCSS Auto 280 and the DCFS 63B to the SCSW for approval." / "If approved, sign and return to the
# CSW ..." / "If incomplete, return to the CSW for corrective action." / "If the child/NMD stops attending
# their school-of-origin, complete a FCSS Auto 280 to stop the Education Travel Reimbursement."
LIFE_CYCLE = [
    ("edit", "draft", None), ("edit", "returned", None), ("edit", "submitted", "cannot"),
    ("submit", "draft", "submitted"), ("submit", "returned", "submitted"), ("submit", "approved", "cannot"),
    ("approve", "submitted", "approved"), ("approve", "draft", "cannot"), ("approve", "approved", "cannot"),
    ("return", "submitted", "returned"), ("return", "returned", "cannot"),
    ("stop", "approved", "stopped"), ("stop", "submitted", "cannot"), ("stop", "stopped", "cannot"),
]


@pytest.mark.parametrize(("action", "status", "after"), LIFE_CYCLE)
def test_life_cycle(action, status, after):
    refusal = workflow.refusal(action, status)
    if after == "cannot":
        assert refusal is not None and status in refusal
    else:
        assert refusal is None
        assert workflow.next_state(action, status) == (after or status)


def test_submission_needs_a_mapped_mileage_and_every_item():
    assert workflow.submission_problems(eligible=True, failing=(), unknown=(), mileage_source="mapping_service") == []
    [problem] = workflow.submission_problems(eligible=True, failing=(), unknown=(),
                                             mileage_source="straight_line_estimate")
    assert "mapping service" in problem
    assert "distance fails" in workflow.submission_problems(eligible=False, failing=("distance",), unknown=(),
                                                            mileage_source="mapping_service")[0]
