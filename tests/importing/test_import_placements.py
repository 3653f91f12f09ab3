"""The DCFS feed's optional placement columns (school-of-origin travel plans, DCFS 0900-520.20).

Loaded with the case row, compared and updated like its other columns; a malformed placement
column rejects the whole file (nothing written), and no error message repeats a location.
"""
from __future__ import annotations

import pytest

from mobile_service.importing import ImportRejected, run_import
from tests.importing.import_helpers import rows, snapshot

HEADER = ("ssid,case_id,case_type,case_status,csw_employee_id,assignment_start,assignment_end,"
          "education_rights_holder,placement_start_date,placement_type,placement_latitude,placement_longitude")
PLAIN = "ssid,case_id,case_type,case_status,csw_employee_id,assignment_start,assignment_end,education_rights_holder"
GOOD = (f"{HEADER}\n"
        "1234567890,0000000000000000001,FR,open,E000001,2026-01-05,,Rosa (grandmother),2026-02-01,rfa,34.0612,-117.7521\n"
        "2345678901,0000000000000000002,PP,open,E000001,2025-09-01,,,,,,\n")


def _placements():
    return rows("SELECT case_id, placement_start_date, placement_type, placement_latitude, placement_longitude "
                "FROM dcfs_cases ORDER BY case_id")


def test_placement_columns_load_with_the_case(loaded, csv_file):
    result = run_import("dcfs-cases", csv_file(GOOD))
    assert (result.total, result.inserted) == (2, 2)
    first, second = _placements()
    assert first[0] == "0000000000000000001" and str(first[1]) == "2026-02-01" and first[2] == "RFA"
    assert (first[3], first[4]) == pytest.approx((34.0612, -117.7521))
    assert second[1:] == (None, None, None, None)


def test_placement_columns_are_optional_and_a_change_is_an_update(loaded, csv_file):
    run_import("dcfs-cases", csv_file(f"{PLAIN}\n1234567890,0000000000000000001,FR,open,E000001,2026-01-05,,\n"))
    assert _placements()[0][1:] == (None, None, None, None)
    result = run_import("dcfs-cases", csv_file(GOOD))
    assert (result.updated, result.inserted) == (1, 1)
    again = run_import("dcfs-cases", csv_file(GOOD))
    assert again.unchanged == 2


@pytest.mark.parametrize(("row", "column"), [
    ("2026-02-31,RFA,34.06,-117.75", "placement_start_date"),   # no such day
    ("2026-02-01,HOTEL,34.06,-117.75", "placement_type"),        # not a placement type of the list
    ("2026-02-01,RFA,94.06,-117.75", "placement_latitude"),      # out of range
    ("2026-02-01,RFA,34.06,west", "placement_longitude"),        # not a number
    ("2026-02-01,RFA,34.06,", "placement_longitude"),            # half a location
    (",RFA,,", "placement_start_date"),                          # a type without its start date
    (",,34.06,-117.75", "placement_start_date"),                 # a location without its start date
])
def test_a_malformed_placement_column_rejects_the_whole_file(loaded, csv_file, row, column):
    content = (f"{HEADER}\n2345678901,0000000000000000002,PP,open,E000001,2025-09-01,,,2025-09-02,FFH,34.1,-117.1\n"
               f"1234567890,0000000000000000001,FR,open,E000001,2026-01-05,,,{row}\n")
    before = snapshot()
    with pytest.raises(ImportRejected) as rejected:
        run_import("dcfs-cases", csv_file(content))
    assert any(message.startswith(f"line 3: {column}:") for message in rejected.value.errors), rejected.value.errors
    assert snapshot() == before  # all or nothing: the good line 2 was not written either
    # The location is never echoed back (the messages name the column and the rule only).
    assert not any(token in message for message in rejected.value.errors for token in ("34.06", "117.75", "west"))

