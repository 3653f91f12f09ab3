"""The import layers (docs/architecture.md): app -> interface (api, auth, web) -> domain -> base.

``python -m tools.layers`` prints the layer of every module; these tests fail on an import
against the direction and on any cycle between folders.
"""
from __future__ import annotations

from tools import layers


def test_every_import_points_down_or_sideways():
    found = layers.modules()
    assert [f"{i.importer}:{i.line} -> {i.imported}" for i in layers.upward(found)] == []


def test_no_two_folders_import_each_other():
    assert layers.folder_cycles(layers.modules()) == []


def test_the_layers_are_the_documented_ones():
    assert layers.layer_of("mobile_service.app") == "app"
    assert layers.layer_of("wsgi") == "app"
    assert {layers.layer_of(m) for m in ("api.students.routes", "auth.routes", "web.dashboard")} == {"interface"}
    assert layers.layer_of("mobile_service.scoping") == "domain"
    assert {layers.layer_of(m) for m in ("mobile_service.models.education", "mobile_service.extensions",
                                         "mobile_service.clock")} == {"base"}


def test_the_check_sees_an_upward_import_and_a_cycle(tmp_path, monkeypatch):
    """The checker itself: a domain module importing the API, and two folders importing each other."""
    for folder, body in (("mobile_service", ""), ("api", ""), ("api/a", "from api.b import x\n"),
                         ("api/b", "from api.a import y\n")):
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
        (tmp_path / folder / "__init__.py").write_text(body)
    (tmp_path / "mobile_service" / "rules.py").write_text("import api.a\n")
    (tmp_path / "wsgi.py").write_text("")
    monkeypatch.setattr(layers, "ROOT", tmp_path)
    monkeypatch.setattr(layers, "PACKAGES", ("mobile_service", "api"))
    found = layers.modules()
    assert [(i.importer, i.imported) for i in layers.upward(found)] == [("mobile_service.rules", "api.a")]
    assert layers.folder_cycles(found) == [["api.a (interface)", "api.b (interface)"]]


def test_no_api_resource_imports_another():
    """Shared pieces live in api/*.py (fields, etags, card schemas) or in the domain, never in a resource."""
    found = layers.modules()
    crossing = [f"{i.importer} -> {i.imported}" for i in layers.imports(found)
                if i.importer.startswith("api.") and i.imported.startswith("api.")
                and len(i.importer.split(".")) > 2 and len(i.imported.split(".")) > 2
                and i.importer.split(".")[1] != i.imported.split(".")[1]]
    assert crossing == []


def test_tests_build_apps_through_the_one_factory_fixture():
    """``make_app`` disposes the apps a test builds; a direct ``create_app`` call would leak its pool."""
    import ast

    root = layers.ROOT / "tests"
    direct = []
    for path in root.rglob("*.py"):
        if path.name == "conftest.py" and path.parent == root:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            func = getattr(node, "func", None)
            name = getattr(func, "id", None) or getattr(func, "attr", None)
            if isinstance(node, ast.Call) and name == "create_app":
                direct.append(f"{path.relative_to(root)}:{node.lineno}")
    assert direct == []
