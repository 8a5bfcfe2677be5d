"""`clap-search export QUERY --to DIR`: copy or link the hits into a folder and/or write a report."""

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


def export(
    text: Annotated[
        str,
        typer.Argument(
            metavar="TEXT", help="What the sound is, in words (as for `query`).", show_default=False
        ),
    ],
    to: Annotated[
        Path | None, typer.Option("--to", metavar="DIR", help="Put the hits in this folder.")
    ] = None,
    link: Annotated[bool, typer.Option("--link", help="Symlink the hits instead of copying.")] = False,
    copy: Annotated[bool, typer.Option("--copy", help="Copy the hits (the default with --to).")] = False,
    csv_file: Annotated[
        Path | None, typer.Option("--csv", metavar="FILE", help="CSV report: path, score, time, tags.")
    ] = None,
    json_file: Annotated[
        Path | None, typer.Option("--json-out", metavar="FILE", help="Write the same report as JSON.")
    ] = None,
    k: TopKOpt = 10,
    folder: FolderOpt = None,
    min_duration: MinDurationOpt = None,
    max_duration: MaxDurationOpt = None,
    ext: ExtOpt = None,
    tag: TagOpt = None,
    library: LibraryOpt = None,
    model: ModelOpt = None,
    device: DeviceOpt = DEFAULT_DEVICE,
    verbose: VerboseOpt = False,
) -> None:
    """Hand search results to a DAW or another tool: files in a folder, or a CSV/JSON report.

    Name collisions get -2, -3, ...; running the same export again adds nothing.

    \b
    Example: clap-search export "door slam" --to ~/session/doors --link --csv doors.csv -k 20
    """
    from clap_search.catalog import describe_hits
    from clap_search.errors import UsageError
    from clap_search.export import COPY, LINK, place_files, write_report
    from clap_search.query import search_text

    if link and copy:
        raise UsageError("choose one of --link and --copy")
    if to is None and csv_file is None and json_file is None:
        raise UsageError("nothing to do: give --to DIR and/or --csv FILE / --json-out FILE")
    filters = build_filters(folder, min_duration, max_duration, ext, tag)
    lib = open_library(library)
    embedder = load_text_embedder(model, device, lib)  # a text query: no torch
    rows = describe_hits(lib, search_text(lib, embedder, text, k=k, filters=filters))
    if not rows:
        require_sounds(lib)
    out = render.stdout()
    if to is not None:
        rows = place_files(rows, to, LINK if link else COPY)
        out.print(f"{'linked' if link else 'copied'} {len(rows)} files into {to}", markup=False)
    for kind, target in (("csv", csv_file), ("json", json_file)):
        if target is not None:
            out.print(f"wrote {kind.upper()} report {write_report(rows, target, kind)}", markup=False)
