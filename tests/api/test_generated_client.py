"""A Python client generated from the service's own ``/openapi.json`` works against gunicorn.

openapi-python-client (pinned in requirements-dev.txt) generates the client into a temporary
directory (never committed) from the document served by gunicorn on a loopback port; the
client then signs in with a real app token and calls ``getMe``, ``getCaseload``,
``searchStudents`` and ``getStudentDemographics``, whose answers parse into its models.
"""
from __future__ import annotations

import datetime as dt
import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.servers import dev_env, free_port, gunicorn

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
CSW_EMAIL = "client.csw@dcfs.lacounty.gov"
pytestmark = pytest.mark.slow


def _seed(make_app, env: dict[str, str]) -> tuple[str, str]:
    """Migrate a fresh SQLite database with a CSW and one assigned student; return a token and the key."""
    from flask_migrate import upgrade

    from mobile_service.extensions import db
    from tests.api.student_helpers import enroll
    from tests.factories import app_token_for, make_case, make_school, make_student, make_user

    app = make_app(env)
    with app.app_context():
        upgrade()
        csw = make_user("csw", email=CSW_EMAIL, display_name="Client Test CSW")
        kid = make_student(ssid="4000000001", legal_first_name="Maria", legal_last_name="Garcia",
                           birth_date=dt.date(2012, 3, 4))
        make_case(kid, csw)
        enroll(kid, make_school(), dt.date.today() - dt.timedelta(days=30))
        db.session.commit()
        token, key = app_token_for(csw), kid.student_key
    with app.app_context():
        db.engine.dispose()
    return token, key


@pytest.fixture(scope="module")
def server(make_app, tmp_path_factory, signing_key_pem):
    workdir = tmp_path_factory.mktemp("client")
    port = free_port()
    env = dev_env(workdir, port, signing_key_pem, database="client.db", secret="client-test-secret-key-0123456789abcdef")
    token, key = _seed(make_app, env)
    with gunicorn(env, port, workdir) as base:
        yield {"base": base, "token": token, "student_key": key, "workdir": workdir}


@pytest.fixture(scope="module")
def client_package(server):
    """Generate the client from the served document and import it (from a temporary directory)."""
    target = server["workdir"] / "generated"
    target.mkdir()
    generator = BIN / "openapi-python-client"
    assert generator.exists(), "openapi-python-client is pinned in requirements-dev.txt"
    result = subprocess.run(
        [str(generator), "generate", "--url", server["base"] + "/openapi.json", "--meta", "none",
         "--output-path", str(target / "lacoe_client")],
        check=False, cwd=target, env={**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"},
        capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    # Every operation generated: nothing in the document was skipped as unreadable.
    assert "Warning" not in result.stdout + result.stderr, result.stdout + result.stderr
    sys.path.insert(0, str(target))
    try:
        yield importlib.import_module("lacoe_client")
    finally:
        sys.path.remove(str(target))
        for name in [m for m in sys.modules if m == "lacoe_client" or m.startswith("lacoe_client.")]:
            del sys.modules[name]


def test_generated_client_calls_me_caseload_search_and_a_record(server, client_package):
    from lacoe_client.api.caseload import get_caseload
    from lacoe_client.api.me import get_me
    from lacoe_client.api.students import get_student_demographics, search_students
    from lacoe_client.models import CaseloadPage, Demographics, Me, SearchRequest, SearchResponse

    client = client_package.AuthenticatedClient(base_url=server["base"], token=server["token"],
                                                raise_on_unexpected_status=True)
    with client:
        me = get_me.sync(client=client)
        assert isinstance(me, Me) and me.email == CSW_EMAIL and me.role == "csw"

        caseload = get_caseload.sync(client=client)
        assert isinstance(caseload, CaseloadPage)
        assert [card.student_key for card in caseload.items] == [server["student_key"]]

        found = search_students.sync(client=client, body=SearchRequest(last_name="Garcia"))
        assert isinstance(found, SearchResponse) and found.rule == "scope"
        assert [card.student_key for card in found.results] == [server["student_key"]]

        response = get_student_demographics.sync_detailed(student_key=server["student_key"], client=client)
        assert response.status_code == 200 and response.headers["ETag"]
        record = response.parsed
        assert isinstance(record, Demographics) and record.legal_last_name == "Garcia"

        missing = get_student_demographics.sync_detailed(student_key="A" * 22, client=client)
        assert missing.status_code == 404 and missing.parsed.status == 404  # the Problem model
