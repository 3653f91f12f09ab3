"""The EPS Portal registry the generator writes: demo users, pilot participants and the workforce.

About one CSW per 15 active foster youth and one SCSW per 7 CSWs, spread over the DCFS regional
offices in proportion to the students their districts serve. The named demo users and the pilot
participants exist whatever the scale.
"""
from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from mobile_service.text import fold
from tools.seed.people import NamePools
from tools.seed.places import OFFICES

PILOT_COHORT = "Pomona pilot"
PILOT_OFFICES = ["Pomona", "LACOE FYS"]
DCFS_DOMAIN = "dcfs.lacounty.gov"
LACOE_DOMAIN = "lacoe.edu"
CSW_PER_ACTIVE_YOUTH = 15
CSW_PER_SCSW = 7
PILOT_POMONA_CSWS = 40
PILOT_POMONA_SCSWS = 4
PILOT_FYS_STAFF = 8
# A DCFS worker who is not in the EPS registry: students assigned to them are on no mobile caseload.
UNREGISTERED_WORKER = "E9000001"


@dataclass(frozen=True)
class DemoUser:
    """A named demo account, identical at every scale and seed."""

    email: str
    display_name: str
    role: str
    dcfs_employee_id: str | None
    office: str | None
    pilot: bool


DEMO_CSW = DemoUser("csw.demo@dcfs.lacounty.gov", "Carmen Demo-Sánchez", "csw", "E1000001", "Pomona", True)
DEMO_CSW2 = DemoUser("csw2.demo@dcfs.lacounty.gov", "Marcus Demo-Reed", "csw", "E1000002", "Pomona", True)
DEMO_SCSW = DemoUser("scsw.demo@dcfs.lacounty.gov", "Lorena Demo-Villanueva", "scsw", "E1000003", "Pomona", True)
DEMO_COORDINATOR = DemoUser("coordinator.demo@lacoe.edu", "Priya Demo-Raman", "pilot_coordinator", None,
                            "LACOE FYS", False)
DEMO_ADMIN = DemoUser("admin.demo@lacoe.edu", "Alex Demo-Okafor", "admin", None, "LACOE", False)
# An LACOE data steward: works the queue of data-quality reports (duplicate / multiple SSIDs).
DEMO_STEWARD = DemoUser("eps-support.demo@lacoe.edu", "Dana Demo-Whitfield", "eps_support", None, "LACOE EPS", False)
DEMO_USERS = (DEMO_CSW, DEMO_CSW2, DEMO_SCSW, DEMO_COORDINATOR, DEMO_ADMIN, DEMO_STEWARD)


@dataclass
class UserRow:
    """One row of users.csv."""

    email: str
    display_name: str
    role: str
    dcfs_employee_id: str | None
    office: str | None
    supervisor_email: str | None = None
    pilot_cohort: str | None = None
    active: bool = True

    def csv(self) -> list[str]:
        return [self.email, self.display_name, self.role, self.dcfs_employee_id or "", self.office or "",
                self.supervisor_email or "", self.pilot_cohort or "", "true" if self.active else "false"]


@dataclass
class Workforce:
    """Users to write, plus who may be assigned cases (employee ids by office)."""

    users: list[UserRow] = field(default_factory=list)
    csws_by_office: dict[str, list[str]] = field(default_factory=dict)
    former_csws: list[str] = field(default_factory=list)

    def assign(self, rng: random.Random, office: str) -> str:
        """A CSW of ``office`` (any office when it has none) for a new assignment."""
        pool = self.csws_by_office.get(office) or self.csws_by_office["Pomona"]
        return rng.choice(pool)

    def historic(self, rng: random.Random, office: str) -> str:
        """The worker on a closed case: sometimes someone who has left the agency."""
        if self.former_csws and rng.random() < 0.3:
            return rng.choice(self.former_csws)
        return self.assign(rng, office)


class _Emails:
    """Unique, readable e-mail addresses: first initial + last name (+ a number when taken)."""

    def __init__(self) -> None:
        self.taken = {u.email for u in DEMO_USERS}

    def make(self, display_name: str, domain: str) -> str:
        first, _, last = display_name.partition(" ")
        stem = (fold(first)[:1] + fold(last).replace(" ", "")) or "user"
        email, n = f"{stem}@{domain}", 2
        while email in self.taken:
            email, n = f"{stem}{n}@{domain}", n + 1
        self.taken.add(email)
        return email


def build_workforce(rng: random.Random, pools: NamePools, expected_active_youth: int) -> Workforce:
    """Demo users, the fixed pilot participants and enough CSWs/SCSWs for ``expected_active_youth``."""
    wf = Workforce()
    emails = _Emails()
    employee = iter(range(2_000_001, 9_000_000))

    def person(role: str, office: str, domain: str = DCFS_DOMAIN, pilot: bool = False,
               active: bool = True) -> UserRow:
        name = pools.adult_name(rng)
        return UserRow(emails.make(name, domain), name, role, f"E{next(employee):07d}", office,
                       pilot_cohort=PILOT_COHORT if pilot else None, active=active)

    demo = {u.email: UserRow(u.email, u.display_name, u.role, u.dcfs_employee_id, u.office,
                             pilot_cohort=PILOT_COHORT if u.pilot else None) for u in DEMO_USERS}
    wf.users += [demo[DEMO_ADMIN.email], demo[DEMO_COORDINATOR.email], demo[DEMO_STEWARD.email]]

    # Workers needed per office, never fewer than the pilot brings to Pomona.
    total_csws = max(1, math.ceil(expected_active_youth / CSW_PER_ACTIVE_YOUTH))
    weight_sum = sum(OFFICES.values())
    csws: dict[str, list[UserRow]] = {}
    for office, weight in OFFICES.items():
        count = max(1, round(total_csws * weight / weight_sum))
        if office == "Pomona":
            pilot = [person("csw", office, pilot=True) for _ in range(PILOT_POMONA_CSWS)]
            csws[office] = pilot + [person("csw", office) for _ in range(max(0, count - PILOT_POMONA_CSWS))]
        else:
            csws[office] = [person("csw", office) for _ in range(count)]
    # LACOE Foster Youth Services liaisons take part in the pilot as CSW-role users (LACOE staff ids).
    fys = [person("csw", "LACOE FYS", LACOE_DOMAIN, pilot=True) for _ in range(PILOT_FYS_STAFF)]
    for worker in fys:
        worker.dcfs_employee_id = "L" + worker.dcfs_employee_id[1:]

    scsw_rows: list[UserRow] = []
    for office, workers in csws.items():
        n_scsw = max(1, math.ceil(len(workers) / CSW_PER_SCSW))
        if office == "Pomona":
            sups = [demo[DEMO_SCSW.email]] + [person("scsw", office, pilot=i < PILOT_POMONA_SCSWS)
                                              for i in range(max(PILOT_POMONA_SCSWS, n_scsw - 1))]
            # The demo SCSW supervises both demo CSWs and four pilot CSWs.
            demo[DEMO_CSW.email].supervisor_email = demo[DEMO_CSW2.email].supervisor_email = sups[0].email
            for worker in workers[:4]:
                worker.supervisor_email = sups[0].email
            rest, others = workers[4:], sups[1:]
        else:
            sups = [person("scsw", office) for _ in range(n_scsw)]
            rest, others = workers, sups
        for i, worker in enumerate(rest):
            worker.supervisor_email = others[i % len(others)].email
        scsw_rows += sups

    former = [person("csw", rng.choice(list(OFFICES)), active=False) for _ in range(max(1, total_csws // 30))]
    wf.users += scsw_rows + [demo[DEMO_CSW.email], demo[DEMO_CSW2.email]]
    for office, workers in csws.items():
        wf.users += workers
        wf.csws_by_office[office] = [w.dcfs_employee_id for w in workers]
    wf.users += fys + former
    wf.former_csws = [w.dcfs_employee_id for w in former]
    return wf
