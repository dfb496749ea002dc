"""The arrows point one way: the core imports only the standard library and itself."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import meterbill

PACKAGE = Path(meterbill.__file__).parent
CORE = PACKAGE / "core"
STDLIB = set(sys.stdlib_module_names)


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def test_core_imports_only_the_standard_library_and_itself() -> None:
    offenders = []
    for path in sorted(CORE.rglob("*.py")):
        for line, module in _imports(path):
            top = module.split(".")[0]
            if module == "meterbill.core" or module.startswith("meterbill.core."):
                continue
            if top in STDLIB and top != "meterbill":
                continue
            offenders.append(f"{path.relative_to(PACKAGE)}:{line} imports {module}")
    assert offenders == []


def test_only_storage_imports_sqlalchemy_apart_from_the_edges() -> None:
    """Services and core reach the database only through repositories and the unit of work."""
    offenders = []
    for folder in ("core", "services"):
        for path in sorted((PACKAGE / folder).rglob("*.py")):
            for line, module in _imports(path):
                if module.split(".")[0] in {"sqlalchemy", "alembic", "psycopg"}:
                    offenders.append(f"{path.relative_to(PACKAGE)}:{line} imports {module}")
    assert offenders == []


def test_core_and_services_never_import_the_web_layers() -> None:
    offenders = []
    for folder in ("core", "services", "storage"):
        for path in sorted((PACKAGE / folder).rglob("*.py")):
            for line, module in _imports(path):
                top = module.split(".")[0]
                if top in {"fastapi", "starlette", "pydantic", "typer", "uvicorn"} or (
                    module.startswith(("meterbill.api", "meterbill.web", "meterbill.cli"))
                ):
                    offenders.append(f"{path.relative_to(PACKAGE)}:{line} imports {module}")
    assert offenders == []


def test_the_core_never_reads_the_clock() -> None:
    forbidden = ("datetime.now", "datetime.utcnow", "date.today", "time.time", "time.monotonic")
    offenders = []
    for path in sorted(CORE.rglob("*.py")):
        source = path.read_text()
        offenders.extend(
            f"{path.relative_to(PACKAGE)}: {call}" for call in forbidden if call in source
        )
    assert offenders == []
