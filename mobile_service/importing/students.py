"""students (CALPADS foster list): upsert by SSID, keep every SSID a child was known by, and
maintain the search index rows (SSIDs, SSID grams, name parts) in the same transaction."""
from __future__ import annotations

from collections.abc import Iterable, Iterator

from mobile_service import clock
from mobile_service.importing import changes
from mobile_service.importing.source import ErrorLog
from mobile_service.importing.staging import Sql, Stage
from mobile_service.importing.tables import STAGE, Counts, classify_counts, recompute_foster_status, stage_rows
from mobile_service.models import new_student_key
from mobile_service.text import name_key, name_parts, ssid_grams

SSIDS, GRAMS, PARTS = "import_ssids", "import_grams", "import_parts"
COLUMNS = (("ssid", "text"), ("legal_first_name", "text"), ("legal_middle_name", "text"),
           ("legal_last_name", "text"), ("alias_first_name", "text"), ("alias_last_name", "text"),
           ("birth_date", "date"), ("gender_code", "text"), ("primary_language", "text"),
           ("foster_client_id", "text"), ("homeless", "bool"), ("first_name_key", "text"),
           ("last_name_key", "text"), ("student_key", "text"))
WORK = (("student_id", "int"), ("target_id", "int"), ("changed", "bool"), ("names_changed", "bool"),
        ("conflict", "bool"))
# Compared and updated on known students; the student key is only ever written on insert (stable).
VALUES = tuple(c for c, _ in COLUMNS if c not in ("ssid", "student_key"))
NAME_FIELDS = (("first", "legal_first_name"), ("last", "legal_last_name"),
               ("alias_first", "alias_first_name"), ("alias_last", "alias_last_name"))


class _Fanout:
    """Splits parsed student rows into the main stage and the SSID, gram and name-part stages."""

    def __init__(self, sql: Sql):
        self.ssids = Stage(sql, SSIDS, (("ssid", "text"), ("is_primary", "bool")))
        self.grams = Stage(sql, GRAMS, (("ssid", "text"), ("gram", "text")))
        self.parts = Stage(sql, PARTS, (("part", "text"), ("field", "text")))

    def rows(self, parsed: Iterable[tuple]) -> Iterator[tuple]:
        for line, ssid, first, middle, last, alias_first, alias_last, *rest in parsed:
            previous = rest[-1]
            for number, primary in ((ssid, True), *((p, False) for p in previous if p != ssid)):
                self.ssids.add((line, number, primary))
                for gram in sorted(ssid_grams(number)):
                    self.grams.add((line, number, gram))
            names = {"legal_first_name": first, "legal_last_name": last,
                     "alias_first_name": alias_first, "alias_last_name": alias_last}
            for field, column in NAME_FIELDS:
                for part in sorted(name_parts(names[column])):
                    self.parts.add((line, part, field))
            yield (line, ssid, first, middle, last, alias_first, alias_last, *rest[:-1],
                   name_key(first), name_key(last), new_student_key())

    def finish(self) -> None:
        for stage in (self.ssids, self.grams, self.parts):
            stage.finish()


def load(sql: Sql, rows: Iterable[tuple], log: ErrorLog) -> Counts | None:
    """Stage, check and apply a students file; ``None`` when rows were rejected."""
    fanout = _Fanout(sql)
    stage_rows(sql, COLUMNS, fanout.rows(rows), work=WORK)
    fanout.finish()
    _check(sql, log)
    if log.total:
        return None

    now = clock.utcnow()
    s = STAGE
    changed = sql.any_differs([("st.ssid", f"{s}.ssid"), *((f"st.{v}", f"{s}.{v}") for v in VALUES)])
    names_changed = sql.any_differs((f"st.{c}", f"{s}.{c}") for _, c in NAME_FIELDS)
    sql.run(f"UPDATE {s} SET target_id = st.id, changed = {changed}, names_changed = {names_changed} "
            f"FROM students st WHERE st.id = {s}.student_id")
    # A new retired/replacement SSID for a known child is a change even if nothing else moved.
    sql.run(f"UPDATE {s} SET changed = TRUE WHERE target_id IS NOT NULL AND NOT changed AND EXISTS ("
            f"SELECT 1 FROM {SSIDS} i WHERE i.line = {s}.line AND NOT EXISTS ("
            f"SELECT 1 FROM student_ssids x WHERE x.ssid = i.ssid))")
    counts = classify_counts(sql)
    # New students are on nobody's synced caseload yet; changed ones may be.
    changes.note_students(sql, f"SELECT target_id AS student_id FROM {s} WHERE changed")

    if counts.updated:
        assignments = ", ".join(f"{v} = s.{v}" for v in ("ssid", *VALUES))
        sql.run(f"UPDATE students SET {assignments}, updated_at = :now FROM {s} s "
                "WHERE students.id = s.target_id AND s.changed", now=now)
    if counts.inserted:
        # Every new student gets a random key (staged per row; used only by this insert).
        columns = ", ".join(("ssid", *VALUES, "student_key"))
        sql.run(f"INSERT INTO students ({columns}, foster_status, updated_at) "
                f"SELECT {columns}, 'inactive', :now FROM {s} WHERE target_id IS NULL ORDER BY line", now=now)
        sql.run(f"UPDATE {s} SET student_id = st.id, names_changed = TRUE FROM students st "
                f"WHERE {s}.target_id IS NULL AND st.ssid = {s}.ssid")
    if counts.inserted or counts.updated:
        _write_index(sql)
    recompute_foster_status(sql, f"SELECT student_id FROM {s}")
    return counts


def _check(sql: Sql, log: ErrorLog) -> None:
    """Duplicate SSIDs in the file, SSIDs of two different children, two rows for one child."""
    s = STAGE
    inner = (f"SELECT line, ssid, is_primary, MIN(line) OVER (PARTITION BY ssid) AS first_line FROM {SSIDS}")
    total = int(sql.scalar(f"SELECT COUNT(*) FROM ({inner}) d WHERE line <> first_line") or 0)
    if total:
        found = sql.rows(f"SELECT line, ssid, is_primary, first_line FROM ({inner}) d WHERE line <> first_line "
                         "ORDER BY line LIMIT :cap", cap=log.cap)
        log.merge([(int(line), "ssid" if primary else "previous_ssids", f"SSID {ssid} also appears on line {first}")
                   for line, ssid, primary, first in found], total)
    sql.run(f"UPDATE {s} SET student_id = m.low, conflict = (m.low <> m.high) FROM ("
            f"SELECT i.line, MIN(ss.student_id) AS low, MAX(ss.student_id) AS high FROM {SSIDS} i "
            f"JOIN student_ssids ss ON ss.ssid = i.ssid GROUP BY i.line) m WHERE m.line = {s}.line")
    total = int(sql.scalar(f"SELECT COUNT(*) FROM {s} WHERE conflict") or 0)
    if total:
        found = sql.rows(f"SELECT line FROM {s} WHERE conflict ORDER BY line LIMIT :cap", cap=log.cap)
        log.merge([(int(r[0]), "previous_ssids", ("these SSIDs belong to different existing students "
                    "(resolve the duplicate in CALPADS first)")) for r in found], total)
    inner = (f"SELECT line, MIN(line) OVER (PARTITION BY student_id) AS first_line FROM {s} "
             "WHERE student_id IS NOT NULL")
    total = int(sql.scalar(f"SELECT COUNT(*) FROM ({inner}) d WHERE line <> first_line") or 0)
    if total:
        found = sql.rows(f"SELECT line, first_line FROM ({inner}) d WHERE line <> first_line ORDER BY line "
                         "LIMIT :cap", cap=log.cap)
        log.merge([(int(line), "ssid", f"same student as line {first} (through a retired SSID)")
                   for line, first in found], total)


def _write_index(sql: Sql) -> None:
    """SSID aliases, SSID grams and name parts of the inserted and changed students."""
    s = STAGE
    touched = f"({s}.changed OR {s}.target_id IS NULL)"
    sql.run(f"INSERT INTO student_ssids (ssid, student_id, is_primary) "
            f"SELECT i.ssid, {s}.student_id, i.is_primary FROM {SSIDS} i JOIN {s} ON {s}.line = i.line "
            f"WHERE {touched} AND NOT EXISTS (SELECT 1 FROM student_ssids x WHERE x.ssid = i.ssid) ORDER BY i.line")
    primary = "(student_ssids.ssid = (SELECT st.ssid FROM students st WHERE st.id = student_ssids.student_id))"
    sql.run(f"UPDATE student_ssids SET is_primary = {primary} WHERE student_id IN "
            f"(SELECT student_id FROM {s} WHERE changed) AND {sql.differs('is_primary', primary)}")
    # No DISTINCT needed: the checks made SSIDs unique in the file and each row's grams and
    # parts are sets. Primary-key order keeps the B-tree inserts local.
    sql.run(f"INSERT INTO ssid_grams (gram, ssid, student_id) "
            f"SELECT g.gram, g.ssid, {s}.student_id FROM {GRAMS} g JOIN {s} ON {s}.line = g.line "
            f"WHERE {touched} AND NOT EXISTS (SELECT 1 FROM ssid_grams x WHERE x.gram = g.gram AND x.ssid = g.ssid) "
            "ORDER BY g.gram, g.ssid")
    sql.run(f"DELETE FROM student_name_parts WHERE student_id IN (SELECT student_id FROM {s} WHERE names_changed)")
    sql.run(f"INSERT INTO student_name_parts (part, field, student_id) "
            f"SELECT p.part, p.field, {s}.student_id FROM {PARTS} p JOIN {s} ON {s}.line = p.line "
            f"WHERE {s}.names_changed ORDER BY p.part, p.field, {s}.student_id")


def stage_names() -> tuple[str, ...]:
    """The temp tables a students load creates (SQLite drops them explicitly)."""
    return (SSIDS, GRAMS, PARTS)
