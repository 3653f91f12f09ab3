"""Who each generated student is: identity, family, foster case history and risk profile.

A :class:`Plan` holds everything about one student that later becomes CSV rows
(``records.py``). Families share a surname, district, worker and rights holder; twins also share
a birth date (and never a first name or an SSID). Shares used: 20 % active foster youth (open FR/FM/PP case), the rest former foster
youth (closed case) or in KIN-GAP / VOLUNTARY cases, which make EPS show them as inactive.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

from mobile_service.identifiers import is_ssid
from tools.seed.people import NICKNAMES, OTHER_LANGUAGES, RELATIONSHIPS, NamePools
from tools.seed.placements import PlacementSpec
from tools.seed.places import DISTRICT_WEIGHTS, DISTRICTS, District
from tools.seed.rand import SeedRandom, cumulative
from tools.seed.workforce import Workforce

ACTIVE_SHARE = 0.20
ACTIVE_TYPES, ACTIVE_CUM = ("FR", "FM", "PP"), cumulative((0.40, 0.25, 0.35))
INACTIVE_TYPES = ("FR", "FM", "PP", "KIN-GAP", "VOLUNTARY")  # closed, or open but inactive in EPS
INACTIVE_CUM = cumulative((0.25, 0.18, 0.12, 0.28, 0.17))
# Grade index -1 = a TK-age child (first year of the two-year kindergarten), enrolled with grade
# KN: "Students participating in a Transitional Kindergarten program are enrolled in CALPADS with
# a grade level of Kindergarten (KN)" (Guide 2.1.3, p. 50). 0 = KN. Foster youth skew older.
GRADES = tuple(range(-1, 13))
GRADE_CUM = cumulative([0.04, 0.06] + [0.06] * 5 + [0.07] * 3 + [0.0975] * 4)
DISTRICT_CUM = cumulative(DISTRICT_WEIGHTS)
ABILITIES = ("strong", "average", "struggling")
ABILITY_CUM_ACTIVE, ABILITY_CUM_OTHER = cumulative((0.25, 0.5, 0.25)), cumulative((0.35, 0.5, 0.15))

_SSID_SPACE = 9_000_000_000
_SSID_MULT = 6_364_136_227  # coprime with 9e9, so index -> SSID is a bijection
_CLIENT_MULT = 2_862_933_557
_CASE_SPACE = 10 ** 13
_CASE_MULT = 3_935_559_001
RETIRED_BASE = 4_000_000_000
DEMO_BASE = 8_500_000_000


@dataclass(frozen=True)
class Holder:
    """An education rights holder: a parent, or someone the court appointed (JV-535)."""

    name: str
    relationship: str

    @property
    def parent_rights_limited(self) -> bool:
        """A holder other than the parents means the court limited the parent's rights (JV-535)."""
        return self.relationship not in PARENTS

    def columns(self, case_start: dt.date) -> tuple[str, str, str, str, str]:
        """The feed's holder columns; phone and order date derive from the name (the random stream is untouched)."""
        digest = int(hashlib.sha256(f"{self.name}|{case_start.isoformat()}".encode()).hexdigest()[:8], 16)
        phone = f"(626) 555-{digest % 10_000:04d}"
        order = (case_start + dt.timedelta(days=7 + digest % 60)).isoformat() if self.parent_rights_limited else ""
        return (self.name, self.relationship, phone, order, "Y" if self.parent_rights_limited else "N")


PARENTS = ("mother", "father")


@dataclass
class Case:
    """One dcfs-cases.csv row."""

    case_id: str
    case_type: str
    status: str
    csw: str
    start: dt.date
    end: dt.date | None
    rights_holder: Holder | None


@dataclass
class Plan:
    """One student and the shape of their education record."""

    ssid: str
    first: str
    middle: str | None
    last: str
    alias_first: str | None
    alias_last: str | None
    birth_date: dt.date
    gender: str
    language: str
    client_id: str
    homeless: bool
    grade: int
    district: District
    active: bool
    cases: list[Case] = field(default_factory=list)
    previous_ssids: list[str] = field(default_factory=list)
    retained: bool = False
    moves_prev: int = 0
    moves_cur: int = 0
    move_dates_cur: list[dt.date] | None = None
    summer_move: bool = False
    no_current: str | None = None  # "no_show" or "exit"
    # A no-show's pre-enrollment for this year: "nullified" (exited N470, the guide's way) or
    # "withdrawn" (left open in week 1, deleted at the source before week 2; see seed/weekly.py).
    pre_enrollment: str | None = None
    e150: str | None = None  # "prev" or "cur"
    summer_school: bool = False  # a short-term (status 30) summer session exited E490
    chronic: bool = False
    absence_rate: float = 0.0
    progress: bool = False
    ability: str = "average"
    force_df: bool = False
    placement: PlacementSpec | None = None  # a fixed demo placement (else derived: seed/placements.py)


@dataclass
class _Family:
    remaining: int
    last: str
    hispanic: bool
    district: District
    office: str
    csw: str
    rights_holder: Holder | None
    active: bool
    case_type: str
    birth_date: dt.date | None = None
    grade: int | None = None
    first_names: list[str] = field(default_factory=list)


class StudentFactory:
    """Builds :class:`Plan` objects in sequence from one ``random.Random``."""

    def __init__(self, rng: SeedRandom, seed: int, pools: NamePools, workforce: Workforce,
                 today: dt.date, current_start_year: int) -> None:
        self.rng, self.pools, self.wf, self.today = rng, pools, workforce, today
        self.year = current_start_year
        self.offset = (seed * 2_654_435_761 + 97) % _SSID_SPACE
        self.case_counter = 0
        self.family: _Family | None = None

    # -- identifiers -------------------------------------------------------------------------
    def ssid(self, index: int) -> str:
        """A unique 10-digit SSID for ``index`` (random-looking, seed-dependent)."""
        value = str(1_000_000_000 + (index * _SSID_MULT + self.offset) % _SSID_SPACE)
        if not is_ssid(value):  # the importer's rule: a generated file must load
            raise ValueError(f"generated SSID {value!r} breaks the SSID rule")
        return value

    def client_id(self, index: int) -> str:
        return str(1_000_000_000 + (index * _CLIENT_MULT + self.offset // 3) % _SSID_SPACE)

    def case_id(self, opened: dt.date) -> str:
        """A 19-digit case id: county 19, year opened, then a unique 13-digit number."""
        self.case_counter += 1
        number = (self.case_counter * _CASE_MULT + self.offset) % _CASE_SPACE
        return f"19{opened.year:04d}{number:013d}"

    # -- pieces ------------------------------------------------------------------------------
    def birth_date(self, grade: int, retained: bool) -> dt.date:
        """A birth date putting the child in ``grade`` this year (Sept 1 cut-off)."""
        age_sept1 = grade + 5 + (1 if retained else 0)
        earliest = dt.date(self.year - age_sept1 - 1, 9, 2)
        return earliest + dt.timedelta(days=self.rng.randrange(365))

    def rights_holder(self, last: str, hispanic: bool) -> Holder:
        rng = self.rng
        relationship = rng.choice(RELATIONSHIPS)
        surname = last if relationship in ("mother", "father", "grandmother", "grandfather") else \
            self.pools.last(rng, hispanic)
        return Holder(f"{self.pools.first(rng, hispanic, rng.choice('FM'))} {surname}", relationship)

    def _days_ago(self, low: int, high: int) -> dt.date:
        return self.today - dt.timedelta(days=self.rng.randint(low, high))

    def cases_for(self, active: bool, case_type: str, office: str, csw: str, holder: Holder | None) -> list[Case]:
        """The student's case rows: an open case when active, else a closed or KIN-GAP/VOLUNTARY one."""
        rng = self.rng
        cases: list[Case] = []
        if active or case_type in ("KIN-GAP", "VOLUNTARY"):
            if rng.random() < 0.15:  # an earlier, closed episode
                start = self._days_ago(1500, 4000)
                end = start + dt.timedelta(days=rng.randint(120, 900))
                cases.append(Case(self.case_id(start), rng.choice(("FR", "FM")), "closed",
                                  self.wf.historic(rng, office), start, end, None))
            start = self._days_ago(20, 2400)
            cases.append(Case(self.case_id(start), case_type, "open", csw, start, None, holder))
        else:
            start = self._days_ago(500, 4200)
            end = min(start + dt.timedelta(days=rng.randint(150, 1500)), self.today - dt.timedelta(days=30))
            cases.append(Case(self.case_id(start), case_type, "closed", self.wf.historic(rng, office),
                              start, end, holder if rng.random() < 0.5 else None))
        return cases

    def _new_family(self, remaining: int) -> _Family:
        rng = self.rng
        size = 1 if rng.random() < 0.82 else 2 if rng.random() < 0.67 else 3
        hispanic = rng.random() < 0.58
        district = rng.weighted(DISTRICTS, DISTRICT_CUM)
        office = rng.choice(district.offices)
        active = rng.random() < ACTIVE_SHARE
        case_type = rng.weighted(ACTIVE_TYPES, ACTIVE_CUM) if active else rng.weighted(INACTIVE_TYPES, INACTIVE_CUM)
        last = self.pools.last(rng, hispanic)
        holder = self.rights_holder(last, hispanic) if rng.random() < 0.85 else None
        return _Family(min(size, remaining), last, hispanic, district, office, self.wf.assign(rng, office),
                       holder, active, case_type)

    # -- the student -------------------------------------------------------------------------
    def plan(self, index: int, remaining: int) -> Plan:
        """The next student (``remaining`` counts students still to generate, this one included)."""
        rng = self.rng
        fam = self.family if self.family and self.family.remaining > 0 else self._new_family(remaining)
        self.family = fam
        twin = fam.birth_date is not None and rng.random() < 0.5
        if twin:
            grade, birth, retained = fam.grade, fam.birth_date, False
        else:
            grade = rng.weighted(GRADES, GRADE_CUM)
            retained = grade >= 1 and rng.random() < 0.03
            birth = self.birth_date(grade, retained)
        fam.remaining -= 1
        fam.birth_date, fam.grade = birth, grade
        gender = "F" if rng.random() < 0.49 else "M" if rng.random() < 0.97 else "X"
        first = self.pools.first(rng, fam.hispanic, gender)
        for _ in range(20):  # siblings (twins above all) never share a first name
            if first not in fam.first_names:
                break
            first = self.pools.first(rng, fam.hispanic, gender)
        fam.first_names.append(first)
        middle = self.pools.first(rng, fam.hispanic, gender) if rng.random() < 0.55 else None
        alias_first = alias_last = None
        if rng.random() < 0.12:  # goes by a nickname or by the middle name
            alias_first = NICKNAMES.get(first) or middle
        if rng.random() < 0.03:
            alias_last = self.pools.last(rng, fam.hispanic)
        if fam.hispanic:
            language = "Spanish" if rng.random() < 0.42 else "English"
        else:
            language = "English" if rng.random() < 0.9 else rng.choice(OTHER_LANGUAGES)
        active = fam.active
        p = Plan(
            ssid=self.ssid(index), first=first, middle=middle, last=fam.last, alias_first=alias_first,
            alias_last=alias_last, birth_date=birth, gender=gender, language=language,
            client_id=self.client_id(index), homeless=rng.random() < 0.04, grade=grade,
            district=fam.district, active=active, retained=retained,
            cases=self.cases_for(active, fam.case_type, fam.office, fam.csw, fam.rights_holder),
        )
        if rng.random() < 0.02:
            p.previous_ssids = [self.ssid(RETIRED_BASE + index)]
        self.risk_profile(p)
        return p

    def risk_profile(self, p: Plan) -> None:
        """Mobility, attendance and marks: foster youth move more and miss more school."""
        rng = self.rng
        move = 0.35 if p.active else 0.10
        p.moves_prev = (rng.random() < move) + (rng.random() < move / 4)
        p.moves_cur = (rng.random() < move) + (rng.random() < move / 4)
        p.summer_move = rng.random() < (0.15 if p.active else 0.05)
        roll = rng.random()
        gone = 0.03 if p.active else 0.05
        p.no_current = "no_show" if roll < gone / 2 else "exit" if roll < gone else None
        if p.no_current == "no_show":  # from the SSID, not the stream: every other draw stays as it was
            p.pre_enrollment = ("withdrawn", "nullified", None)[int(p.ssid) % 3]
        p.e150 = ("prev" if rng.random() < 0.5 else "cur") if rng.random() < 0.01 else None
        p.summer_school = rng.random() < (0.12 if p.active else 0.06)
        p.chronic = rng.random() < (0.28 if p.active else 0.17)
        # Not chronic: mostly a few days a year (skewed low), always under 10 %.
        p.absence_rate = rng.uniform(0.10, 0.32) if p.chronic else rng.random() ** 2 * 0.0999
        p.ability = rng.weighted(ABILITIES, ABILITY_CUM_ACTIVE if p.active else ABILITY_CUM_OTHER)
        p.progress = 1 <= p.grade <= 12 and (p.active or rng.random() < 0.05)
