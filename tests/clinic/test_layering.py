"""The apps import in one direction only (docs/architecture.md): each imports only those below."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Lower number = lower layer. Apps of one layer do not import each other; demo sits apart.
LAYERS = {
    "clinic": 0,
    "patients": 1,
    "diaries": 2,
    "treatments": 2,
    "scheduling": 3,
    "reviews": 4,
    "fhir_api": 5,
    "records_in": 6,  # reads fhir_api's codes and builders to import a Bundle
}
DEMO = "demo"


def imported_apps(path: Path) -> set[str]:
    """Top-level project apps a module imports, lazy imports inside functions included."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found & (set(LAYERS) | {DEMO})


def app_modules(app: str):
    return [p for p in (ROOT / app).rglob("*.py") if "migrations" not in p.parts]


def test_every_app_is_placed_in_a_layer():
    apps = {path.parent.name for path in ROOT.glob("*/apps.py")}
    assert apps == set(LAYERS) | {DEMO}


def test_no_app_imports_an_app_above_it_or_beside_it():
    wrong = [
        f"{path.relative_to(ROOT)} imports {other}"
        for app, layer in LAYERS.items()
        for path in app_modules(app)
        for other in imported_apps(path) - {app}
        if other == DEMO or LAYERS[other] >= layer
    ]
    assert wrong == []


def test_the_demo_app_is_imported_by_nothing_but_itself():
    importers = [
        path.relative_to(ROOT)
        for app in LAYERS
        for path in app_modules(app)
        if DEMO in imported_apps(path)
    ]
    assert importers == []
