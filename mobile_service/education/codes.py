"""CALPADS codes as data: exit reasons (meaning, kind, valid dates) and enrollment statuses.

Every entry names the passage of the CALPADS Data Guide v11.0 (``../shared/seeds/
calpads-data-guide-v11.txt``; sections and pages as in its table of contents) that it follows.
The rules in ``enrollment.py`` read only these fields, never a code literal.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

# What an exit means for "where is the child enrolled" and "did the child change schools".
WITHDRAWAL = "withdrawal"  # left the school; no enrollment is expected to follow here
COMPLETION = "completion"  # completed the school's program (E230): promotion or graduation, not a move
TRANSFER = "transfer"      # left for another school; the receiving enrollment should follow
SHORT_TERM = "short-term"  # a summer or intersession stay ended (E490)
YEAR_END = "year-end"      # year-end exit, expected back at the same school (E155)
UPDATE = "update"          # not an exit: the record is split to change grade or status (E150)
NO_SHOW = "no-show"        # the pre-enrollment never happened (N470)
KINDS = (WITHDRAWAL, COMPLETION, TRANSFER, SHORT_TERM, YEAR_END, UPDATE, NO_SHOW)

# Enrollment statuses (Guide 2.1.1 p. 37, field 1.23; definitions are in the Code Sets).
PRIMARY, SECONDARY, SHORT_TERM_STATUS, SPECIALIZED, NON_ADA = "10", "20", "30", "40", "50"
ENROLLMENT_STATUS_LABELS = {
    PRIMARY: "Primary", SECONDARY: "Secondary", SHORT_TERM_STATUS: "Short-term",
    SPECIALIZED: "Receiving specialized services", NON_ADA: "Non-ADA",
}

APPENDIX_C = "Guide 5.3 Appendix C (p. 246)"
DROPOUTS = "Guide 3.1.8 Dropouts (p. 202)"
COHORT = "Guide 3.1.9.2 ACGR cohort outcome table (p. 211)"
TRANSFER_DOCS = "Guide 5.3 Appendix C, transfer table (p. 246)"
# T270, T310 and T460: "This code was retired at the end of the 2017–18 school year" (Appendix C);
# records exited before then keep them. The last day of that year, as for grade US ("retired as
# of 6/30/18", Guide 3.1.9.1).
END_OF_2017_18 = dt.date(2018, 6, 30)


@dataclass(frozen=True)
class Window:
    """Exit dates a code is valid for, as (month, day) bounds inclusive, any year."""

    first: tuple[int, int]
    last: tuple[int, int]

    def contains(self, day: dt.date) -> bool:
        """Whether ``day`` falls inside the window (windows do not wrap past 31 December)."""
        return self.first <= (day.month, day.day) <= self.last


# "No-Show Exit Time Frame: May 15 through August 15 ... (exit date must be between May 15
# through August 15)" and "The exit date for Student Exit Category E155 (End-of-year exit) is
# restricted to May 15 through August 15." (Guide 3.1.8, p. 202).
YEAR_END_WINDOW = Window((5, 15), (8, 15))


@dataclass(frozen=True)
class ExitCode:
    """One Student Exit Category code (SENR field 1.26) and what it means here."""

    code: str
    name: str                    # the guide's code name
    meaning: str                 # plain label shown on the enrollment tab
    kind: str                    # one of KINDS
    valid: Window | None = None  # exit dates the guide allows; None: any date
    # Exits of this code inside this window may be a summer break with a return expected
    # (E450's second meaning); outside it the code keeps its ``kind``.
    break_window: Window | None = None
    passage: str = APPENDIX_C
    # A retired code is accepted only for exits on or before this day (older records).
    retired_after: dt.date | None = None

    def accepts(self, exit_date: dt.date | None) -> bool:
        """Whether an exit on ``exit_date`` may carry this code (a retired code only on old records)."""
        return self.retired_after is None or exit_date is None or exit_date <= self.retired_after


EXIT_CODES: dict[str, ExitCode] = {c.code: c for c in (
    ExitCode("E125", "PriorComplSpecEd", "Left special-ed transition program after prior completion", WITHDRAWAL),
    ExitCode("E130", "Died", "Died", WITHDRAWAL),
    ExitCode("E140", "NoKnownEnrollTruant", "Truant, no known enrollment", WITHDRAWAL),
    # "The student is not exiting the school ... CALPADS will also expect a subsequent
    # enrollment record the day after the Enrollment Exit Date" (Appendix C, E150).
    ExitCode("E150", "MidYearEnrollmentUpdate", "Mid-year update (grade or status change, not an exit)", UPDATE),
    # "exited a grade level ... during the last 14 days of the current academic year because of
    # summer break ... for students expected to return to the same school" (Appendix C, E155);
    # valid only 15 May - 15 Aug (Guide 3.1.8).
    ExitCode("E155", "YearEndEnrlmntExitSameSchl", "Year-end exit, expected back at the same school", YEAR_END,
             valid=YEAR_END_WINDOW, passage=f"{APPENDIX_C}; {DROPOUTS}"),
    ExitCode("E170", "SecEnrlExit", "Secondary enrollment ended", WITHDRAWAL),
    # "Student left school after completing his/her academic program at this school" (Appendix C,
    # E230); "If the student completed the last grade offered at the school, use ... E230 ... and
    # School Completion Status=480 [Promoted/ Matriculated]" (Appendix C, note to E155).
    ExitCode("E230", "CompleterExit", "Completed the program at this school", COMPLETION),
    ExitCode("E300", "ExpellNoKnownEnroll", "Expelled, no known enrollment", WITHDRAWAL),
    ExitCode("E400", "OtherOrUnknown", "Other or unknown reason (age 18+)", WITHDRAWAL),
    ExitCode("E410", "MedicalRsns", "Left for medical reasons", WITHDRAWAL),
    # "Infant or student in pre-kindergarten through grade six ... exited/withdrew from school; or
    # the student exited school during a temporary break such as summer vacation ... but was
    # expected to return" and "This code may be used for all infants, toddlers, pre-K, K-6 exits"
    # (Appendix C, E450). A withdrawal; only a year-end exit can be the summer-break meaning.
    ExitCode("E450", "PreK-6Exit", "Pre-K to grade 6 exit", WITHDRAWAL, break_window=YEAR_END_WINDOW),
    # Listed as "Summer or Intersession Exit" in the cohort outcome tables (Guide 3.1.9.2); it
    # ends a summer or intersession stay, not the school of record.
    ExitCode("E490", "SummerOrIntersessionExit", "Summer or intersession exit", SHORT_TERM, passage=COHORT),
    # "N470 essentially nullifies a pre-enrollment record" (Appendix C, N470).
    ExitCode("N470", "NoShow", "No-show (pre-enrollment nullified)", NO_SHOW),
    ExitCode("T160", "TransCASchlRegular", "Transferred to another California public school", TRANSFER,
             passage=TRANSFER_DOCS),
    ExitCode("T165", "TransSpecDiscRsnsOrJudg", "Transferred for disciplinary reasons or by court order", TRANSFER,
             passage=TRANSFER_DOCS),
    ExitCode("T167", "TransAltSchlPrgm", "Transferred to an alternative school or program", TRANSFER,
             passage=TRANSFER_DOCS),
    ExitCode("T180", "TransPrivate", "Transferred to a California private school", TRANSFER, passage=TRANSFER_DOCS),
    ExitCode("T200", "TransUS", "Moved to a school in another state", TRANSFER, passage=TRANSFER_DOCS),
    ExitCode("T240", "TransOutUS", "Moved to another country", TRANSFER, passage=TRANSFER_DOCS),
    ExitCode("T260", "TransInAdult", "Left for adult education", TRANSFER, passage=COHORT),
    # Retired codes, kept for older records; each means what its replacement means ("Use T260
    # instead", "Use exit code E410", T160/T180 for home schools), Appendix C.
    ExitCode("T270", "TransDropAdult", "Left for adult education, then dropped out (retired code)", TRANSFER,
             retired_after=END_OF_2017_18),
    ExitCode("T310", "TransHealthFacil", "Entered a health care facility (retired code)", WITHDRAWAL,
             retired_after=END_OF_2017_18),
    ExitCode("T460", "TransHomeSchl", "Left for home schooling (retired code)", TRANSFER,
             retired_after=END_OF_2017_18),
    ExitCode("T280", "TransCollege", "Left to enroll in college", TRANSFER, passage=COHORT),
    ExitCode("T370", "TransInstHSDipl", "Entered an institution with a diploma program", TRANSFER,
             passage=COHORT),
    ExitCode("T380", "TransInstNoHSDip", "Entered an institution without a diploma program", TRANSFER,
             passage=COHORT),
)}


def exit_code(code: str | None) -> ExitCode | None:
    """The data of an exit reason code (case-insensitive); None for no exit or an unknown code."""
    return EXIT_CODES.get((code or "").strip().upper())


def exit_label(code: str | None) -> str | None:
    """The plain meaning of an exit reason, for the enrollment tab; None when unknown."""
    found = exit_code(code)
    return found.meaning if found is not None else None
