"""`clap-search similar FILE`: find the sounds closest to a sound, in the library or not."""

from __future__ import annotations

from pathlib import Path
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
    load_embedder,
    open_library,
    require_sounds,
)


def similar(
    file: Annotated[
        Path,
        typer.Argument(metavar="FILE", help="An audio file, inside the library or not.", show_default=False),
    ],
    k: TopKOpt = 10,
    include_self: Annotated[
        bool, typer.Option("--include-self", help="Let a library file match itself.")
    ] = False,
    per_file: Annotated[int, typer.Option("--per-file", metavar="N", min=1, help="Hits per file.")] = 1,
    folder: FolderOpt = None,
    min_duration: MinDurationOpt = None,
    max_duration: MaxDurationOpt = None,
    ext: ExtOpt = None,
    tag: TagOpt = None,
    library: LibraryOpt = None,
    model: ModelOpt = None,
    device: DeviceOpt = DEFAULT_DEVICE,
    as_json: JsonOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Search the library by sound (best window against any window of FILE).

    \b
    Example: clap-search similar ~/sounds/door_slam_03.wav -k 5 --ext wav --json
    """
    from clap_search.catalog import describe_hits
    from clap_search.db import path_key
    from clap_search.errors import NotFoundError
    from clap_search.query import similar as find_similar

    if not file.exists():
        raise NotFoundError(f"no such file: {path_key(file)}")
    filters = build_filters(folder, min_duration, max_duration, ext, tag)
    lib = open_library(library)
    embedder = load_embedder(model, device, lib)
    hits = find_similar(
        lib, embedder, file, k=k, include_self=include_self, per_file=per_file, filters=filters
    )
    if not hits:
        require_sounds(lib)
    if as_json:
        render.json_lines(describe_hits(lib, hits))
    else:
        render.print_table(render.hits_table(hits, f"sounds like {path_key(file)}"))
