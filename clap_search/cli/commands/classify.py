"""`clap-search classify FILE_OR_DIR... --labels a,b,c`: zero-shot labels with probabilities."""

from __future__ import annotations

from pathlib import Path
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
    read_labels,
)


def _files(paths: list[Path]) -> list[str]:
    from clap_search.db import path_key
    from clap_search.errors import NotFoundError
    from clap_search.indexer.scan import scan

    out: list[str] = []
    for p in paths:
        if not p.exists():
            raise NotFoundError(f"no such file or folder: {path_key(p)}")
        out.extend(c.path for c in scan(p)) if p.is_dir() else out.append(str(p))
    return out


def _table(results: list, k: int) -> Table:
    table = Table(title="zero-shot labels", title_justify="left")
    for col in ("path", "label", "score", "top labels"):
        table.add_column(col, overflow="fold")
    for r in results:
        top = sorted(r.scores.items(), key=lambda kv: -kv[1])[:k]
        table.add_row(r.path, r.label, f"{r.score:.3f}", ", ".join(f"{lab} {p:.2f}" for lab, p in top))
    return table


def classify(
    paths: Annotated[
        list[Path], typer.Argument(help="Audio files or folders.", metavar="PATH...", show_default=False)
    ],
    labels: LabelsOpt = None,
    labels_file: LabelsFileOpt = None,
    template: TemplateOpt = None,
    k: Annotated[
        int, typer.Option("-k", "--top", metavar="N", min=1, help="Labels shown per file in the table.")
    ] = 3,
    library: LibraryOpt = None,
    model: ModelOpt = None,
    device: DeviceOpt = DEFAULT_DEVICE,
    as_json: JsonOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Label sounds zero-shot: softmax over labels per window, averaged over the file.

    \b
    Example: clap-search classify ~/sounds/field --labels "dog,cat,rain,engine" --json
    """
    from clap_search.errors import ClapSearchError, LibraryNotFoundError
    from clap_search.library import Library
    from clap_search.query import classify as run_classify
    from clap_search.query import clean_labels

    names = clean_labels(read_labels(labels, labels_file))
    files = _files(paths)
    try:
        lib: Library | None = Library.open(library)
    except LibraryNotFoundError:
        lib = None
    embedder = load_embedder(model, device, lib)
    stored_model = lib.model() if lib is not None else None
    if stored_model is not None and not stored_model.matches(embedder.identity):
        lib = None  # the stored vectors come from another model: embed the files afresh
    results = run_classify(embedder, files, names, template=template, library=lib)
    good = [r for r in results if r.error is None]
    err = render.stderr()
    for r in results:
        if r.error is not None:
            err.print(f"warning: {r.error}", markup=False)
    if not good:
        raise ClapSearchError(
            "no file could be classified (see the warnings above)" if len(results) > 1 else results[0].error
        )
    if as_json:
        render.json_lines(r.to_json() for r in good)
    else:
        render.print_table(_table(good, k))
