"""The app's side of a caseload sync, played by the tests: a local store that applies pages."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from mobile_service.importing import run_import

SYNC_URL = "/api/v1/caseload/changes"
TABS = ("demographics", "enrollments", "attendance", "progress_reports")


class PhoneApp:
    """What the mobile guide asks of the app: a full sync replaces, a delta applies, a tombstone deletes."""

    def __init__(self, client, headers: Callable[[], dict[str, str]]):
        self.client, self.headers = client, headers
        self.store: dict[str, dict] = {}
        self.token: str | None = None
        self.pages: list[dict] = []

    def sync(self, limit: int | None = None) -> list[dict]:
        """Run one sync to its last page; return the pages."""
        pages, params = [], {"since": self.token} if self.token else {}
        staged: dict[str, dict] | None = None
        while True:
            if limit:
                params["limit"] = limit
            response = self.client.get(SYNC_URL, query_string=params, headers=self.headers())
            assert response.status_code == 200, response.get_json()
            assert response.headers["Cache-Control"] == "private, no-store"
            page = response.get_json()
            pages.append(page)
            if page["kind"] == "full" and staged is None:
                staged = {}  # a full sync replaces everything, once its last page arrived
            self._apply(staged if staged is not None else self.store, page)
            if page["next_cursor"] is None:
                assert page["sync_token"]
                break
            assert page["sync_token"] is None
            params = {"cursor": page["next_cursor"]}
        if staged is not None:
            self.store = staged
        self.token = pages[-1]["sync_token"]
        self.pages = pages
        return pages

    @staticmethod
    def _apply(store: dict[str, dict], page: dict) -> None:
        for student in page["students"]:
            key = student["student_key"]
            if student["change"] == "added":
                assert set(student["tabs_changed"]) == set(TABS)
                store[key] = {}
            held = store[key]  # a "changed" student is one the app holds
            held["card"] = student["card"]
            for tab in student["tabs_changed"]:
                held[tab] = student[tab]
            assert set(TABS) - set(student["tabs_changed"]) == {t for t in TABS if t not in student}
        for tombstone in page["tombstones"]:
            store.pop(tombstone["student_key"], None)


def fresh_copy(client, headers: Callable[[], dict[str, str]]) -> dict[str, dict]:
    """What a full sync gives now (a second device signing in)."""
    other = PhoneApp(client, headers)
    other.sync()
    return other.store


def load(tmp_path: Path, kind: str, text: str, **options):
    """Run one import of ``kind`` from ``text`` (a CSV), as the nightly feed would."""
    path = tmp_path / f"{kind}-{abs(hash(text))}.csv"
    path.write_text(text, encoding="utf-8", newline="")
    return run_import(kind, path, **options)
