"""`clap-search adapt`: teach the library's text head its own words (or undo it with --reset)."""

from __future__ import annotations

from typing import Annotated

import typer

from clap_search.cli import render
from clap_search.cli.options import (
    DEFAULT_DEVICE,
    DeviceOpt,
    JsonOpt,
    LibraryOpt,
    ModelOpt,
    VerboseOpt,
    load_embedder,
    open_library,
)


def adapt(
    epochs: Annotated[
        int, typer.Option("--epochs", metavar="N", min=1, help="Passes over the named files.")
    ] = 40,
    reset: Annotated[
        bool, typer.Option("--reset", help="Drop the adapted head; back to the shipped model.")
    ] = False,
    library: LibraryOpt = None,
    model: ModelOpt = None,
    device: DeviceOpt = DEFAULT_DEVICE,
    as_json: JsonOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Fine-tune the text projection on (words, sound) pairs of the library's named files.

    Uses stored vectors only (nothing is decoded); a fifth of the named files is held out and
    their text->audio mAP is shown before and after. The shipped model is untouched: the head is
    kept in the library folder and --reset removes it.

    \b
    Example: clap-search adapt --epochs 40
    Example: clap-search adapt --reset
    """
    from rich.progress import Progress

    lib = open_library(library)
    embedder = load_embedder(model, device, lib)
    lib.check_model(embedder.identity, doing="adapt")
    if reset:
        from clap_search.words.adapt import reset_layer

        had = reset_layer(lib, embedder)
        render.stderr().print("adapted head removed" if had else "no adapted head to remove")
        return
    from clap_search.training.adapt import adapt_library, check_named, named_files

    check_named(named_files(lib))  # before the progress bar, so an error is one clean line
    with Progress(console=render.stderr(), transient=True) as bar:
        task = bar.add_task("adapting", total=epochs)
        report = adapt_library(
            lib, embedder, epochs=epochs, progress=lambda done, _: bar.update(task, completed=done)
        )
    if as_json:
        render.json_lines([report.to_json()])
    else:
        render.stdout().print(
            f"adapted on {report.pairs - report.held_out} named files; held-out {report.held_out}: "
            f"text->audio mAP {report.before:.3f} -> {report.after:.3f}"
        )
