"""`clap-search query TEXT`: find the sounds that match a description."""

from __future__ import annotations

from typing import Annotated

import typer

from clap_search.cli import render
from clap_search.cli.options import (
    DEFAULT_DEVICE,
    DeviceOpt,
    ExtOpt,
    FolderOpt,
    JsonOpt,
    LibraryOpt,
    MaxDurationOpt,
    MinDurationOpt,
    ModelOpt,
    TagOpt,
    TopKOpt,
    VerboseOpt,
    build_filters,
    load_text_embedder,
    open_library,
    require_sounds,
)


def query(
    text: Annotated[
        str, typer.Argument(metavar="TEXT", help="What the sound is, in words.", show_default=False)
    ],
    k: TopKOpt = 10,
    per_file: Annotated[int, typer.Option("--per-file", metavar="N", min=1, help="Hits per file.")] = 1,
    folder: FolderOpt = None,
    min_duration: MinDurationOpt = None,
    max_duration: MaxDurationOpt = None,
    ext: ExtOpt = None,
    tag: TagOpt = None,
    mode: Annotated[
        str,
        typer.Option(
            "--mode", metavar="MODE", help="hybrid (sound + the files' words), audio (sound only) or words."
        ),
    ] = "hybrid",
    explain: Annotated[
        bool, typer.Option("--explain", help="Show each hit's audio, word, semantic and propagated scores.")
    ] = False,
    library: LibraryOpt = None,
    model: ModelOpt = None,
    device: DeviceOpt = DEFAULT_DEVICE,
    as_json: JsonOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Search the library by text: rank, score, path and time range of the best matches.

    Filters (--folder, --min/max-duration, --ext, --tag) apply before ranking, so k results come
    back when k files pass them. The default --mode hybrid adds what files say about themselves
    (names, folders, tags) and what their audio neighbours say; --explain shows why each ranked.

    \b
    Example: clap-search query "dog barking in rain" -k 5 --tag exterior --max-duration 10 --explain
    """
    from clap_search.catalog import describe_hits
    from clap_search.errors import UsageError
    from clap_search.query import search_text
    from clap_search.threads import limit_threads

    limit_threads(1)  # one query: extra threads only wait on each other (README, Benchmarks)
    if not text.strip():
        raise UsageError('empty query: describe a sound, e.g. clap-search query "dog barking in rain"')
    filters = build_filters(folder, min_duration, max_duration, ext, tag)
    lib = open_library(library)
    embedder = load_text_embedder(model, device, lib)
    hits = search_text(lib, embedder, text, k=k, per_file=per_file, filters=filters, mode=mode)
    if not hits:
        require_sounds(lib)
    if as_json:
        render.json_lines(describe_hits(lib, hits))
    elif explain:
        render.stdout().print(render.explained_table(hits, f'matches for "{text}" ({mode})'))
    else:
        render.print_table(render.hits_table(hits, f'matches for "{text}"'))
