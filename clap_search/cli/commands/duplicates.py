"""`clap-search duplicates`: exact copies (same decoded audio) and near copies (similar vectors)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from clap_search.cli import render
from clap_search.cli.options import JsonOpt, LibraryOpt, VerboseOpt, open_library, require_sounds


def _table(groups: list, threshold: float) -> Table:
    table = Table(title=f"duplicate groups (near: cosine >= {threshold:.2f})", title_justify="left")
    for col in ("#", "kind", "similarity", "path", "format", "rate", "length"):
        table.add_column(col, overflow="fold")
    for n, group in enumerate(groups, 1):
        for i, m in enumerate(group.members):
            table.add_row(
                str(n) if i == 0 else "",
                group.kind if i == 0 else "",
                "—" if i == 0 else f"{m.similarity:.3f}",
                m.path,
                m.format or "",
                str(m.sample_rate or ""),
                render.clock(m.duration or 0.0),
                end_section=i == len(group.members) - 1,
            )
    return table


def duplicates(
    threshold: Annotated[
        float,
        typer.Option(
            "--threshold",
            metavar="COSINE",
            min=0.0,
            max=1.0,
            help="Cosine similarity that makes a near duplicate.",
        ),
    ] = 0.95,
    library: LibraryOpt = None,
    as_json: JsonOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Find groups of duplicate sounds, across formats and sample rates.

    Exact: the same decoded audio (a WAV and its FLAC copy). Near: files whose mean window vectors
    have cosine >= --threshold and similar lengths (a WAV and its MP3, a resampled copy).

    \b
    Example: clap-search duplicates --threshold 0.97 --json
    """
    from clap_search.duplicates import find_duplicates

    lib = open_library(library)
    groups = find_duplicates(lib, threshold=threshold)
    if not groups:
        require_sounds(lib)
    if as_json:
        render.json_lines(g.to_json() for g in groups)
        return
    if groups:
        render.print_table(_table(groups, threshold))
    exact = sum(1 for g in groups if g.kind == "exact")
    render.stderr().print(
        f"{exact} exact and {len(groups) - exact} near duplicate groups (near: cosine >= {threshold:.2f})"
    )
