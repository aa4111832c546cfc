"""The house rules of ARCHITECTURE.md, checked on the source so they cannot drift."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted(p for pkg in ("shared", "services", "newswire") for p in (ROOT / pkg).rglob("*.py"))


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def _rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("path", [p for p in SOURCES if "services" in p.parts], ids=_rel)
def test_no_service_imports_another(path: Path) -> None:
    own = path.relative_to(ROOT / "services").parts[0]
    foreign = {n for n in _imports(path) if n.startswith("services.") and n.split(".")[1] != own}
    assert foreign == set(), f"{_rel(path)} imports another service: {foreign}"


@pytest.mark.parametrize("path", SOURCES, ids=_rel)
def test_only_tasks_and_the_app_factory_import_celery(path: Path) -> None:
    if path.name == "tasks.py" or _rel(path) == "shared/celery_app.py":
        return
    assert not {n for n in _imports(path) if n == "celery" or n.startswith("celery.")}, _rel(path)


@pytest.mark.parametrize("path", SOURCES, ids=_rel)
def test_environment_is_read_only_by_settings(path: Path) -> None:
    if _rel(path) == "shared/settings.py":
        return
    assert "os.environ" not in path.read_text() and "getenv" not in path.read_text(), _rel(path)


def test_shared_knows_no_service() -> None:
    for path in (ROOT / "shared").rglob("*.py"):
        assert not {n for n in _imports(path) if n.startswith(("services", "newswire"))}, _rel(path)
