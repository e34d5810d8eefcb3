"""The dependency rules of the code base: imports run one way.

- No module imports itself back through others, not even from inside a function.
- Feature packages (``app/<feature>/``) form a layered graph: a lower package never imports a
  higher one. The one exception is model relationships (an import of another feature's
  ``models`` module), which SQLAlchemy needs in both directions.
- Migrations import nothing from the app: they must still run after the models change.
"""

from __future__ import annotations

import ast
import graphlib
from collections import defaultdict
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app"
MIGRATIONS = APP / "migrations" / "versions"


def _module_name(path: Path) -> str:
    parts = path.relative_to(APP.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _app_modules() -> dict[str, Path]:
    return {
        _module_name(path): path
        for path in APP.rglob("*.py")
        if "migrations" not in path.relative_to(APP).parts
    }


def _imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """Every app module this file imports, at the top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module != "app" and not node.module.startswith("app."):
                continue
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                found.add(full if full in modules else node.module)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("app.")}
    return {name for name in found if name in modules and name != "app"}


def test_no_module_imports_itself_back():
    modules = _app_modules()
    graph = {name: _imports(path, modules) - {name} for name, path in modules.items()}
    try:
        graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError as error:
        raise AssertionError(f"import circle: {' -> '.join(error.args[1])}") from None


def test_feature_packages_depend_one_way_except_for_models():
    modules = _app_modules()
    packages = {path.name for path in APP.iterdir() if (path / "__init__.py").exists()}
    packages.discard("migrations")
    graph: dict[str, set[str]] = defaultdict(set)
    for name, path in modules.items():
        parts = name.split(".")
        if len(parts) < 2 or parts[1] not in packages:
            continue
        graph[parts[1]]
        for imported in _imports(path, modules):
            target = imported.split(".")
            if len(target) < 2 or target[1] not in packages or target[1] == parts[1]:
                continue
            if target[-1] == "models":
                continue  # a model relationship
            graph[parts[1]].add(target[1])
    try:
        graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError as error:
        circle = " -> ".join(error.args[1])
        raise AssertionError(f"feature packages in a circle: {circle}") from None


def test_package_init_files_stay_empty():
    """``bp`` lives in views.py; an ``__init__.py`` of weight invites circular imports."""
    heavy = [
        str(path.relative_to(APP.parent))
        for path in APP.rglob("__init__.py")
        if path.parent != APP and path.read_text().strip()
    ]
    assert heavy == []


def _is_app_module(name: str | None) -> bool:
    return name is not None and (name == "app" or name.startswith("app."))


def test_migrations_import_no_application_code():
    """A migration works on the tables of its day; the app's models and services move on."""
    found = []
    for path in sorted(MIGRATIONS.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            found += [f"{path.name}: {name}" for name in names if _is_app_module(name)]
    assert len(list(MIGRATIONS.glob("*.py"))) >= 9
    assert found == []
