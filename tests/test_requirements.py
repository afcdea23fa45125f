"""Every runtime import of geo/, ui/ and app.py is declared in requirements.txt (and pyproject.toml).

A clean virtual environment holds only what requirements.txt names and what those packages need; an import
of anything else works on a developer's machine and crashes on a user's (scipy did, once). The check is
by distribution: ``import pptx`` must be covered by a *declared* distribution that provides ``pptx``
(python-pptx), not by one that merely happens to be installed as another package's dependency.
"""

from __future__ import annotations

import ast
import os
import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RUNTIME_SOURCES = ("geo", "ui", "app.py")


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_name(spec: str) -> str:
    return _normal(re.split(r"[<>=!~\[;@ ]", spec.strip(), maxsplit=1)[0])


def declared(path: Path) -> dict[str, str]:
    """Distribution name -> requirement line, following ``-r`` includes; comments dropped."""
    out: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("-r"):
            out.update(declared(path.parent / line[2:].strip()))
        elif not line.startswith("-"):
            out[_requirement_name(line)] = re.sub(r"\s+", "", line)
    return out


def imported_modules(root: Path, sources: tuple[str, ...] = RUNTIME_SOURCES) -> dict[str, set[str]]:
    """Top-level modules imported anywhere (also inside functions) -> the files importing them.

    Standard-library modules, relative imports and the project's own packages are left out.
    """
    files: list[Path] = []
    for name in sources:
        target = root / name
        files += sorted(target.rglob("*.py")) if target.is_dir() else [target] if target.exists() else []
    local = {p.name for p in root.iterdir() if p.is_dir()} | {p.stem for p in root.glob("*.py")}
    found: dict[str, set[str]] = {}
    for file in files:
        tree = ast.parse(file.read_text(encoding="utf-8"), filename=str(file))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top not in sys.stdlib_module_names and top not in local:
                    found.setdefault(top, set()).add(str(file.relative_to(root)))
    return found


def undeclared(modules: dict[str, set[str]], requirements: dict[str, str]) -> list[str]:
    """One line per imported module that no declared distribution provides."""
    providers = metadata.packages_distributions()
    problems = []
    for module, files in sorted(modules.items()):
        dists = {_normal(d) for d in providers.get(module, [])}
        where = ", ".join(sorted(files))
        if not dists:
            problems.append(f"{module} (imported by {where}): expected an installed distribution, got none")
        elif not dists & set(requirements):
            problems.append(
                f"{module} (imported by {where}): expected one of {sorted(dists)} in requirements.txt, got none"
            )
    return problems


def test_every_runtime_import_is_declared() -> None:
    modules = imported_modules(ROOT)
    assert {"pandas", "shapely", "streamlit", "scipy"} <= set(modules), "the import walk found too little"
    assert undeclared(modules, declared(ROOT / "requirements.txt")) == []


def test_the_walk_catches_an_undeclared_import(tmp_path: Path) -> None:
    """The check above can fail: an import inside a function, of an installed but undeclared package."""
    pkg = tmp_path / "geo"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("import os\nfrom geo import other\n", encoding="utf-8")
    (pkg / "join.py").write_text("def f():\n    from scipy.spatial import cKDTree\n    import numpy\n")
    (tmp_path / "app.py").write_text("import pytest\nfrom . import x\n", encoding="utf-8")
    (tmp_path / "requirements.txt").write_text("numpy>=1  # arrays\n-r more.txt\n", encoding="utf-8")
    (tmp_path / "more.txt").write_text("pytest\n", encoding="utf-8")
    modules = imported_modules(tmp_path)
    assert modules == {"scipy": {"geo/join.py"}, "numpy": {"geo/join.py"}, "pytest": {"app.py"}}
    problems = undeclared(modules, declared(tmp_path / "requirements.txt"))
    assert len(problems) == 1
    assert problems[0].startswith("scipy (imported by geo/join.py): expected one of ['scipy']")


def test_pyproject_dependencies_are_the_requirements() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = {k: v for k, v in declared(ROOT / "requirements.txt").items()}
    listed = {_requirement_name(d): re.sub(r"\s+", "", d) for d in project["dependencies"]}
    assert listed == runtime


def test_the_suite_runs_in_a_clean_virtual_environment() -> None:
    """scripts/test.sh sets GEO_TEST_VENV=1 after creating a venv without system site-packages."""
    if os.environ.get("GEO_TEST_VENV") != "1":
        pytest.skip("not run by scripts/test.sh (GEO_TEST_VENV unset): the venv contract is checked there")
    assert sys.prefix != sys.base_prefix, "expected a virtual environment, got the system interpreter"
    cfg = (Path(sys.prefix) / "pyvenv.cfg").read_text(encoding="utf-8")
    assert re.search(r"include-system-site-packages\s*=\s*false", cfg)
    system = Path(sys.base_prefix).resolve()
    leaked = [p for p in sys.path if "site-packages" in p and Path(p).resolve().is_relative_to(system)]
    assert leaked == [], f"expected no system site-packages on sys.path, got {leaked}"
