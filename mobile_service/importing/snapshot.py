"""Snapshot loads: ``--snapshot SCOPE`` says the file is the whole truth for a scope.

A weekly extract lists every row its source still has. Rows of the scope that the file no
longer lists were deleted at the source (a pre-enrollment deleted instead of exited, a DCFS
assignment withdrawn) and are removed here too, in the load's one transaction.

Scopes (the syntax of ``--snapshot``):

- ``district=CCDDDDD:YYYY-YY`` for the district SIS extracts (``enrollments``, ``attendance``,
  ``progress-reports``): the rows of the schools whose 14-digit CDS code starts with the 7-digit
  county-district code ``CCDDDDD``, for the academic year ``YYYY-YY`` (``YYYY-YYYY`` is accepted
  too). Every row of the file must lie in the scope; a row of another district or year is a row
  error, so a wrong ``--snapshot`` cannot delete a district's year.
- ``all`` for ``dcfs-cases``: the DCFS feed is one county-wide file, so every assignment the file
  does not list is removed, and with it the access it granted (``scoping.student_access`` reads
  ``dcfs_cases``); foster status is recomputed for the students concerned.

Removal is one set-based anti-join per table (the scope's rows with no staged row), never a
statement per row. A snapshot that would remove more than ``max_delete_percent`` of the scope's
rows (setting ``IMPORT_SNAPSHOT_MAX_DELETE_PERCENT``, default 20) is refused unless
``allow_mass_delete`` confirms it: a truncated file must not wipe a district.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from mobile_service import identifiers
from mobile_service.importing.source import ErrorLog, ImportRejected
from mobile_service.importing.staging import Sql

# Kind -> the scope kind it takes.
SNAPSHOT_KINDS = {"dcfs-cases": "all", "enrollments": "district", "attendance": "district",
                  "progress-reports": "district"}
GONE = "import_gone"
_DISTRICT = re.compile(r"\Adistrict=([0-9]{7}):([0-9]{4})-([0-9]{2}|[0-9]{4})\Z")


@dataclass(frozen=True)
class Snapshot:
    """A parsed ``--snapshot`` scope and its mass-delete guard."""

    scope: str  # canonical text, recorded in source_loads.snapshot_scope
    district: str | None = None
    academic_year: str | None = None
    allow_mass_delete: bool = False
    max_delete_percent: int = 20

    @property
    def params(self) -> dict[str, str]:
        """Bind parameters of :meth:`school_filter` and :meth:`year_filter`."""
        return {"snapshot_district": self.district, "snapshot_year": self.academic_year} if self.district else {}

    def school_filter(self, school_id: str) -> str:
        """SQL: ``school_id`` is a school of the scope's district (TRUE for ``all``)."""
        if self.district is None:
            return "TRUE"
        return f"{school_id} IN (SELECT id FROM schools WHERE substr(cds_code, 1, 7) = :snapshot_district)"

    def year_filter(self, column: str) -> str:
        """SQL: ``column`` is the scope's academic year (TRUE for ``all``)."""
        return "TRUE" if self.district is None else f"{column} = :snapshot_year"


def parse_scope(kind: str, text: str, *, allow_mass_delete: bool = False, max_delete_percent: int = 20) -> Snapshot:
    """The snapshot of ``kind`` that ``text`` names, or ``ImportRejected`` saying why not."""
    wanted = SNAPSHOT_KINDS.get(kind)
    if wanted is None:
        raise ImportRejected([(f"snapshot: {kind} files cannot be snapshots "
                              f"(only {', '.join(SNAPSHOT_KINDS)})")])
    if not 0 <= max_delete_percent <= 100:
        raise ImportRejected(["snapshot: the mass-delete limit must be a percentage from 0 to 100"])
    text = text.strip()
    if wanted == "all":
        if text != "all":
            raise ImportRejected([f"snapshot: the {kind} feed is county-wide; its scope is 'all'"])
        return Snapshot("all", allow_mass_delete=allow_mass_delete, max_delete_percent=max_delete_percent)
    match = _DISTRICT.match(text)
    if match is None:
        raise ImportRejected([(f"snapshot: the scope of a {kind} snapshot is district=CCDDDDD:YYYY-YY "
                              "(the 7-digit county-district code and the academic year, e.g. "
                              "district=1964733:2025-26)")])
    district, first, second = match.groups()
    start = int(first)
    if int(second) not in ((start + 1) % 100, start + 1) or not identifiers.is_district_prefix(district):
        raise ImportRejected(["snapshot: the academic year must name two consecutive years, like 2025-26"])
    year = f"{start}-{(start + 1) % 100:02d}"  # the form of enrollments.academic_year
    return Snapshot(f"district={district}:{year}", district=district, academic_year=year,
                    allow_mass_delete=allow_mass_delete, max_delete_percent=max_delete_percent)


def check_rows(sql: Sql, snapshot: Snapshot | None, table: str, log: ErrorLog) -> None:
    """Rows of a district snapshot file that lie outside its scope are row errors."""
    if snapshot is None or snapshot.district is None:
        return
    reason = f"is outside the snapshot scope {snapshot.scope} (a snapshot file holds only its scope's rows)"
    for column, condition in (("cds_code", "substr(cds_code, 1, 7) <> :snapshot_district"),
                              ("academic_year", "academic_year <> :snapshot_year")):
        total = int(sql.scalar(f"SELECT COUNT(*) FROM {table} WHERE {condition}", **snapshot.params) or 0)
        if total:
            found = sql.rows(f"SELECT line FROM {table} WHERE {condition} ORDER BY line LIMIT :cap",
                             cap=log.cap, **snapshot.params)
            log.merge([(int(r[0]), column, reason) for r in found], total)


def collect_missing(sql: Sql, snapshot: Snapshot, table: str, scope_where: str, staged: tuple[str, str],
                    what: str, name: str = GONE) -> int:
    """Stage the ids (and student ids) of ``table``'s scope rows that the file no longer has.

    ``scope_where`` is a condition on alias ``t``; ``staged`` is ``(staging table, column)``
    naming, for each staged row, the id of the ``table`` row it matched. Refuses
    (``ImportRejected``) a removal above the guard's share of the scope. Returns how many rows
    would go; :func:`delete_collected` removes them.
    """
    params = snapshot.params
    stage, column = staged
    if not sql.postgres:
        # PostgreSQL hashes the anti-join; SQLite probes the staging table once per scope row.
        sql.run(f"CREATE INDEX temp.ix_{stage}_{column} ON {stage} ({column})")
    kept = f"SELECT 1 FROM {stage} k WHERE k.{column} = t.id"
    student = "t.student_id" if table != "progress_marks" else "CAST(NULL AS INTEGER)"
    sql.create_temp_as(name, f"SELECT t.id AS id, {student} AS student_id FROM {table} t "
                             f"WHERE {scope_where} AND NOT EXISTS ({kept})", **params)
    gone = int(sql.scalar(f"SELECT COUNT(*) FROM {name}") or 0)
    if not gone:
        return 0
    in_scope = int(sql.scalar(f"SELECT COUNT(*) FROM {table} t WHERE {scope_where}", **params) or 0)
    if not snapshot.allow_mass_delete and gone * 100 > snapshot.max_delete_percent * in_scope:
        raise ImportRejected([
            (f"snapshot {snapshot.scope}: would remove {gone} of the {in_scope} {what} in scope "
            f"({gone * 100 / in_scope:.1f} %), more than the {snapshot.max_delete_percent} % limit "
            "(IMPORT_SNAPSHOT_MAX_DELETE_PERCENT). Is the file truncated? If the removal is real, "
            "load it again with --allow-mass-delete.")])
    return gone


def delete_collected(sql: Sql, table: str, name: str = GONE) -> int:
    """Delete the rows :func:`collect_missing` staged; one statement."""
    return sql.run(f"DELETE FROM {table} WHERE id IN (SELECT id FROM {name})")


def stage_names(snapshot: Snapshot | None) -> tuple[str, ...]:
    """Temp tables a snapshot adds to a load (SQLite drops them explicitly)."""
    return (GONE,) if snapshot is not None else ()
