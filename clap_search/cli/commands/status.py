"""`clap-search status`: what the library holds, which model made it, and what failed."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from clap_search.cli import render
from clap_search.cli.options import JsonOpt, LibraryOpt, VerboseOpt, open_library


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
    w = d["words"]
    rows.insert(3, ("words", f"{w['with_words']} files with words, {w['without_words']} without, "
                             f"{w['metadata_problems']} with metadata left out"))
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
    from clap_search.words.summary import words_status

    lib = open_library(library)
    d = {**lib.stats().to_json(), "words": words_status(lib, max_problems=failures)}
    if as_json:
        render.json_lines([d])
        return
    out = render.stdout()
    out.print(_table(d))
    for f in d["failures"][:failures]:
        out.print(f"failed: {f['path']}: {f['error']}", markup=False)
    for p in d["words"]["problems"][:failures]:
        out.print(f"metadata left out: {p['path']}: {p['error']}", markup=False)
