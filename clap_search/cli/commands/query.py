"""`clap-search query TEXT`: find the sounds that match a description."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from clap_search.cli import render
from clap_search.cli.options import (
    DeviceOpt,
    JsonOpt,
    LibraryOpt,
    ModelOpt,
    TopKOpt,
    VerboseOpt,
    load_embedder,
    open_library,
)


def query(
    text: Annotated[str, typer.Argument(help="What the sound is, in words.")],
    k: TopKOpt = 10,
    per_file: Annotated[int, typer.Option("--per-file", min=1, help="Hits per file.")] = 1,
    under: Annotated[
        Path | None, typer.Option("--under", metavar="DIR", help="Only files under DIR.")
    ] = None,
    library: LibraryOpt = None,
    model: ModelOpt = None,
    device: DeviceOpt = "auto",
    as_json: JsonOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Search the library by text: rank, score, path and time range of the best matches.

    Example: clap-search query "dog barking in rain" -k 5
    """
    from clap_search.errors import UsageError
    from clap_search.query import Filters, search_text

    if not text.strip():
        raise UsageError('empty query: describe a sound, e.g. clap-search query "dog barking in rain"')
    lib = open_library(library)
    embedder = load_embedder(model, device, lib)
    hits = search_text(
        lib, embedder, text, k=k, per_file=per_file, filters=Filters(under=under and str(under))
    )
    if as_json:
        render.json_lines(hit.to_json() for hit in hits)
    else:
        render.stdout().print(render.hits_table(hits, f'matches for "{text}"'))
