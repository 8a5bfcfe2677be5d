"""Handing results to another tool: copy or symlink hits into a folder, or write a CSV/JSON report."""

from __future__ import annotations

import csv
import filecmp
import io
import json
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from clap_search.db import disk_path, path_key
from clap_search.errors import NotFoundError, UsageError

COPY, LINK = "copy", "link"
REPORT_FIELDS = ["rank", "path", "score", "start", "end", "duration", "tags", "exported_to"]


def _same(source: Path, target: Path, mode: str) -> bool:
    """True when `target` already is this export of `source` (re-running export adds nothing)."""
    if mode == LINK:
        return target.is_symlink() and os.path.realpath(target) == os.path.realpath(source)
    if target.is_symlink() or not target.is_file():
        return False
    return target.stat().st_size == source.stat().st_size and filecmp.cmp(source, target, shallow=False)


def _target(folder: Path, source: Path, mode: str) -> Path:
    """`name.wav`, else `name-2.wav`, `name-3.wav`, ...: a free name, or this very export."""
    stem, suffix = source.stem, source.suffix
    n = 1
    while True:
        candidate = folder / (source.name if n == 1 else f"{stem}-{n}{suffix}")
        if not os.path.lexists(candidate) or _same(source, candidate, mode):
            return candidate
        n += 1


def place_files(rows: Sequence[dict[str, Any]], folder: str | os.PathLike[str], mode: str) -> list[dict]:
    """Copy or symlink each row's `path` into `folder`; adds `exported_to` to each row."""
    if mode not in (COPY, LINK):
        raise UsageError("choose --copy or --link")
    dest = Path(folder).expanduser().absolute()
    if dest.exists() and not dest.is_dir():
        raise UsageError(f"{dest} exists and is not a folder")
    dest.mkdir(parents=True, exist_ok=True)
    out = []
    for row in rows:
        source = Path(disk_path(row["path"]))
        if not source.is_file():
            raise NotFoundError(f"{row['path']} is gone from disk: re-run `clap-search index` on its folder")
        target = _target(dest, source, mode)
        if not os.path.lexists(target):
            if mode == LINK:
                target.symlink_to(source.resolve())
            else:
                shutil.copy2(source, target)
        out.append({**row, "exported_to": path_key(target)})
    return out


def _tags_text(tags: Sequence[dict[str, Any]]) -> str:
    return "; ".join(f"{t['label']} ({t['score']:.2f})" for t in tags)


def report_rows(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The report's columns, rank first; tags as `label (score); ...` for spreadsheets."""
    return [
        {
            "rank": rank,
            "path": r["path"],
            "score": round(float(r["score"]), 4),
            "start": round(float(r["start"]), 3),
            "end": round(float(r["end"]), 3),
            "duration": r.get("duration"),
            "tags": r.get("tags", []),
            "exported_to": r.get("exported_to", ""),
        }
        for rank, r in enumerate(rows, 1)
    ]


def csv_text(rows: Sequence[dict[str, Any]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=REPORT_FIELDS, lineterminator="\n")
    writer.writeheader()
    for r in report_rows(rows):
        writer.writerow({**r, "tags": _tags_text(r["tags"])})
    return buf.getvalue()


def json_text(rows: Sequence[dict[str, Any]]) -> str:
    return json.dumps(report_rows(rows), ensure_ascii=False, indent=2) + "\n"


def write_report(rows: Sequence[dict[str, Any]], path: str | os.PathLike[str], kind: str) -> Path:
    """Write the CSV or JSON report atomically; returns where."""
    target = Path(path).expanduser().absolute()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_text(csv_text(rows) if kind == "csv" else json_text(rows), encoding="utf-8")
    os.replace(tmp, target)
    return target
