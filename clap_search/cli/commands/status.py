"""`clap-search status`: what the library holds, which model made it, and what failed."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from clap_search.cli import render
from clap_search.cli.options import JsonOpt, LibraryOpt, VerboseOpt, open_library


def _as_dict(stats: Any) -> dict[str, Any]:
    model = stats.model
    return {
        "library": str(stats.root),
        "files": stats.files,
        "failed": stats.failed,
        "segments": stats.segments,
        "hours": stats.audio_seconds / 3600,
        "model": {"name": model.name, "version": model.version, "dim": model.dim} if model else None,
        "index_type": stats.index_type,
        "db_bytes": stats.db_bytes,
        "index_bytes": stats.index_bytes,
        "failures": [{"path": p, "error": e} for p, e in stats.failures],
    }


def _table(d: dict[str, Any]) -> Table:
    table = Table(show_header=False, title="library", title_justify="left")
    model = d["model"]
    rows = [
        ("folder", d["library"]),
        ("files", f"{d['files']} indexed, {d['failed']} failed"),
        ("segments", str(d["segments"])),
        ("audio", f"{d['hours']:.2f} h"),
        ("model", f"{model['name']} ({model['version']}, {model['dim']}-d)" if model else "none yet"),
        ("index", d["index_type"]),
        (
            "on disk",
            f"database {render.human_bytes(d['db_bytes'])}, index {render.human_bytes(d['index_bytes'])}",
        ),
    ]
    for key, value in rows:
        table.add_row(key, value)
    return table


def status(
    failures: Annotated[int, typer.Option("--failures", min=0, help="Failed files to list.")] = 20,
    library: LibraryOpt = None,
    as_json: JsonOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Show files, segments, hours, failures, model, index type and sizes on disk.

    Example: clap-search status --json
    """
    lib = open_library(library)
    d = _as_dict(lib.stats())
    if as_json:
        render.json_lines([d])
        return
    out = render.stdout()
    out.print(_table(d))
    for f in d["failures"][:failures]:
        out.print(f"failed: {f['path']}: {f['error']}", markup=False)
