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
    failures: Annotated[
        int, typer.Option("--failures", metavar="N", min=0, help="Failed files to list.")
    ] = 20,
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Compare the ids in the vector index with the database; rebuild the index if they differ.",
        ),
    ] = False,
    library: LibraryOpt = None,
    as_json: JsonOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Show files, segments, hours, failures, model, index type and sizes on disk; check the index.

    \b
    Example: clap-search status --json
    Example: clap-search status --check (verify the vector index against the database, repair it)
    """
    from clap_search.words.summary import words_status

    lib = open_library(library)
    d = {**lib.stats().to_json(), "words": words_status(lib, max_problems=failures)}
    if check:
        from clap_search.consistency import check_index

        found = check_index(lib)
        d["check"] = found.to_json()
    if as_json:
        render.json_lines([d])
        return
    out = render.stdout()
    render.print_table(_table(d))
    if d["files"] == 0:
        render.stderr().print(
            f"the library is empty: add sounds with `clap-search index DIR --library {d['library']}`",
            markup=False,
        )
    if check:
        out.print(f"check: {found.summary()}", markup=False)
    for f in d["failures"][:failures]:
        out.print(f"failed: {f['path']}: {f['error']}", markup=False)
    for p in d["words"]["problems"][:failures]:
        out.print(f"metadata left out: {p['path']}: {p['error']}", markup=False)
