"""The end-of-pilot report as Markdown and as CSV: the same content as the printable page.

CSV cells a spreadsheet would run as a formula get a leading apostrophe (see api/pilot/exports.py).
"""
from __future__ import annotations

import csv
import io
from typing import Any

from mobile_service.pilot.criteria import BY_KEY

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
ARROWS = {"up": "↑", "down": "↓", "flat": "→", None: ""}


def verdict(met: bool | None) -> str:
    """Met / missed / no data."""
    return "no data" if met is None else "met" if met else "missed"


def trend_text(row: dict[str, Any]) -> str:
    """Weekly values, oldest first, and the last week's direction."""
    trend = row.get("trend") or {}
    shown = ", ".join(BY_KEY[row["key"]].show(w["value"]) for w in trend.get("weekly", []))
    arrow = ARROWS[trend.get("direction")]
    if trend.get("improving") is not None:
        arrow += " better" if trend["improving"] else " worse"
    return f"{shown} {arrow}".strip() if shown.strip("–, ") else "–"


def _group_cell(row: dict[str, Any]) -> str:
    return f"{row['display']} ({row.get('note') or verdict(row['met'])})"


def minute(instant: str | None) -> str:
    """An ISO UTC timestamp cut to the minute, for tables (``2026-10-12 10:45``)."""
    return instant[:16].replace("T", " ") if instant else ""


def _md_cell(value: Any) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(_md_cell(v) for v in row) + " |" for row in rows]
    return lines + [""]


def markdown(report: dict[str, Any]) -> str:
    """The report as a Markdown document."""
    c = report["cohort"]
    lines = [f"# Pilot evaluation: {c['name']}", "",
             f"{c['start_date']} to {c['end_date']} ({c['timezone']}), {report['status'].replace('_', ' ')}, "
             f"day {report['days_elapsed']} of {c['length_days']}; as of {report['as_of']}. "
             f"{report['met']} of {len(report['criteria'])} criteria met, {report['missed']} missed.", "",
             "## Success criteria", ""]
    lines += _table(["Criterion", "Value", "Target", "Result", "Trend (weekly)"],
                    [[r["label"], r["display"], f"{r['comparison']} {r['target_display']}", verdict(r["met"]),
                      trend_text(r)] for r in report["criteria"]])
    if report["groups"]:
        lines += ["## Groups compared", ""]
        header = ["Criterion", *[g["label"] for g in report["groups"]]]
        rows = []
        for index, r in enumerate(report["criteria"]):
            rows.append([r["label"], *[_group_cell(g["criteria"][index]) for g in report["groups"]]])
        lines += _table(header, rows)
    lines += ["## Feedback themes and issues", ""]
    lines += _table(["Theme", "Feedback", "Average rating", "Issues", "Open issues"],
                    [[t["theme"].replace("_", " "), t["feedback"], "–" if t["average_rating"] is None
                      else t["average_rating"], t["issues"], t["open_issues"]] for t in report["themes"]])
    health = report["app_health"]
    lines += ["## App health", "", "Crash-free sessions per app version:", ""]
    lines += _table(["App version", "Sessions", "Crashed", "Crash-free"],
                    [[v["app_version"], v["sessions"], v["crashed_sessions"],
                      BY_KEY["crash_free_rate"].show(v["crash_free_rate"])] for v in health["crash_free"]["versions"]])
    lines += ["Top error signatures (first and last seen, UTC):", ""]
    lines += _table(["Kind", "Signature", "Error", "Screen", "Occurrences", "First seen", "Last seen", "Issue"],
                    [[s["kind"], s["signature"], s["error_code"] or "", s["screen"] or "", s["occurrences"],
                      minute(s["first_seen"]), minute(s["last_seen"]), f"#{s['issue_id']}" if s["issue_id"] else ""]
                     for s in health["top_signatures"]])
    calls = health["failed_calls"]
    lines += [f"Failed calls reported by the app: {calls['total']}, {calls['matched']} matched to the server's "
              f"own error by request id, {calls['unmatched']} never seen failing by the server.", "",
              "Aggregates only: this report never shows student data."]
    return "\n".join(lines) + "\n"


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_text(report: dict[str, Any]) -> str:
    """The report as one CSV table: section, group, item, value, target, result, trend."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["section", "group", "item", "value", "target", "result", "trend"])
    for r in report["criteria"]:
        writer.writerow([_cell(v) for v in ("criteria", "all", r["key"], r["value"], f"{r['comparison']} {r['target']:g}",
                                            verdict(r["met"]), trend_text(r))])
    for g in report["groups"]:
        for r in g["criteria"]:
            writer.writerow([_cell(v) for v in ("group", g["label"], r["key"], r["value"],
                                                f"{r['comparison']} {r['target']:g}",
                                                r.get("note") or verdict(r["met"]), "")])
    for t in report["themes"]:
        for item in ("feedback", "average_rating", "issues", "open_issues"):
            writer.writerow([_cell(v) for v in ("theme", t["theme"], item, t[item], "", "", "")])
    for v in report["app_health"]["crash_free"]["versions"]:
        for item in ("sessions", "crashed_sessions", "crash_free_rate"):
            writer.writerow([_cell(x) for x in ("app_version", v["app_version"], item, v[item], "", "", "")])
    for s in report["app_health"]["top_signatures"]:
        writer.writerow([_cell(x) for x in ("signature", s["kind"], s["signature"], s["occurrences"], "", "",
                                            f"{s['first_seen']} – {s['last_seen']}")])
    for item, value in report["app_health"]["failed_calls"].items():
        writer.writerow(["failed_calls", "all", item, value, "", "", ""])
    return out.getvalue()
