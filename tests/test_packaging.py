"""Packaging: only `clap_search` is installed; every code folder is listed as a package."""

from __future__ import annotations

import tomllib
from pathlib import Path

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
