"""`clap-search tag --labels a,b,c`: zero-shot tags for every file, stored for filtering."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from clap_search.cli import render
from clap_search.cli.options import (
    DEFAULT_DEVICE,
    DeviceOpt,
    JsonOpt,
    LabelsFileOpt,
    LabelsOpt,
    LibraryOpt,
    ModelOpt,
    TemplateOpt,
    VerboseOpt,
    load_embedder,
    open_library,
    read_labels,
    require_sounds,
)


def _table(results: list) -> Table:
    table = Table(title="tags", title_justify="left")
    table.add_column("path", overflow="fold")
    table.add_column("tags", overflow="fold")
    for r in results:
        table.add_row(r.path, ", ".join(f"{label} {score:.2f}" for label, score in r.tags) or "-")
    return table


def tag(
    labels: LabelsOpt = None,
    labels_file: LabelsFileOpt = None,
    threshold: Annotated[
        float,
        typer.Option(
            "--threshold", metavar="P", min=0.0, max=1.0, help="Keep labels scoring at least this (0-1)."
        ),
    ] = 0.1,
    top: Annotated[
        int, typer.Option("-k", "--top", metavar="N", min=1, help="Keep at most N labels per file.")
    ] = 3,
    template: TemplateOpt = None,
    library: LibraryOpt = None,
    model: ModelOpt = None,
    device: DeviceOpt = DEFAULT_DEVICE,
    as_json: JsonOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Tag every file zero-shot from its stored vectors (no decoding); tags filter queries.

    Scores are classify's probabilities over the given labels; re-running with a label replaces
    that label's tags. Then: clap-search query "door" --tag interior

    \b
    Example: clap-search tag --labels "interior,exterior,animal,vehicle" -k 2
    """
    from clap_search.query import clean_labels
    from clap_search.tags import tag_library

    names = clean_labels(read_labels(labels, labels_file))
    lib = open_library(library)
    embedder = load_embedder(model, device, lib)
    results = tag_library(lib, embedder, names, threshold=threshold, top=top, template=template)
    if not results:
        require_sounds(lib)
    if as_json:
        render.json_lines(r.to_json() for r in results)
        return
    render.print_table(_table(results))
    tagged = sum(1 for r in results if r.tags)
    render.stderr().print(f"tagged {tagged} of {len(results)} files with {len(names)} labels")
