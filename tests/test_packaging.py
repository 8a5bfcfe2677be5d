"""Packaging: only `clap_search` is installed; every code folder is listed as a package."""

from __future__ import annotations

from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[1]


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_every_code_folder_installs_under_clap_search():
    tool = _pyproject()["tool"]["setuptools"]
    listed = set(tool["packages"])
    assert all(p == "clap_search" or p.startswith("clap_search.") for p in listed)
    mapping = {v: k for k, v in tool.get("package-dir", {}).items()}
    found = set()
    for init in ROOT.glob("**/__init__.py"):
        rel = init.parent.relative_to(ROOT)
        if rel.parts[0] in (".venv", "tests", "scripts", "build") or rel.parts[0].startswith("."):
            continue
        top = mapping.get(rel.parts[0], rel.parts[0])
        found.add(".".join([top, *rel.parts[1:]]))
    assert found == listed, f"pyproject [tool.setuptools] packages is out of date: {found ^ listed}"


def test_licences_ship_and_say_what_they_cover():
    project = _pyproject()["project"]
    assert project["license"] == "MIT AND CC-BY-SA-4.0"
    assert set(project["license-files"]) == {"LICENSE", "LICENSE-MODEL"}
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")
    model = (ROOT / "LICENSE-MODEL").read_text(encoding="utf-8")
    assert "clap_search/models/" in model and "Attribution-ShareAlike 4.0 International" in model
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "LICENSE-MODEL" in readme and "CC BY-SA 4.0" in readme


def test_no_tracked_file_names_the_build_machine():
    """Absolute paths of the machine the project was built on must not creep back in."""
    import shutil
    import subprocess

    if not (ROOT / ".git").exists() or not shutil.which("git"):
        import pytest

        pytest.skip("not a git checkout")
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode().split("\0")
    machine = [b"/wo" + b"rk/", b"/ro" + b"ot/"]  # split so this file does not match itself
    found = []
    for name in filter(None, tracked):
        path = ROOT / name
        if path.is_file() and path.stat().st_size < 5_000_000:
            data = path.read_bytes()
            found += [f"{name}: {m.decode()}" for m in machine if m in data]
    assert not found, found


def test_every_imported_package_is_declared():
    """An import the metadata does not declare works here by luck (click came with typer <= 0.25)."""
    import ast
    import re
    import sys
    from importlib.metadata import packages_distributions

    project = _pyproject()["project"]
    extras = project["optional-dependencies"].values()
    wanted = project["dependencies"] + [d for extra in extras for d in extra]
    declared = {re.split(r"[<>=!~\[; ]", d)[0].lower().replace("_", "-") for d in wanted}
    dists = packages_distributions()
    missing = set()
    for folder in ("clap_search", "indexer", "training"):
        for source in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in (n.split(".")[0] for n in names):
                    if name in sys.stdlib_module_names or name == "clap_search":
                        continue
                    if not {d.lower().replace("_", "-") for d in dists.get(name, [name])} & declared:
                        missing.add(f"{name} ({source.relative_to(ROOT)})")
    assert not missing, f"imported but not declared in pyproject: {sorted(missing)}"
