"""Options every command shares, and the few steps they all take (open library, load model)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from clap_search.embed import Embedder
    from clap_search.library import Library

LibraryOpt = Annotated[
    Path | None,
    typer.Option(
        "--library",
        metavar="DIR",
        help="Library folder (default: $CLAP_SEARCH_LIBRARY, else the per-user data folder).",
        show_default=False,
    ),
]
ModelOpt = Annotated[
    str | None,
    typer.Option(
        "--model",
        metavar="NAME_OR_PATH",
        help="Model name ('default', 'tiny') or .safetensors path "
        "(default: the library's model, else 'default').",
        show_default=False,
    ),
]
DeviceOpt = Annotated[str, typer.Option("--device", help="auto, cpu or cuda.")]
# Read by cli.main before the command runs (it decides on logging and tracebacks).
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="Log details; show tracebacks.")]
TopKOpt = Annotated[int, typer.Option("-k", min=1, help="How many results.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="One JSON object per line on stdout.")]


def open_library(folder: Path | None, create: bool = False) -> Library:
    from clap_search.library import Library

    return Library.open(folder, create=create)


def load_embedder(model: str | None, device: str, library: Library | None = None) -> Embedder:
    """The model asked for, else the one the library was built with, else the default."""
    from clap_search.embed import Embedder
    from clap_search.factory import DEFAULT_MODEL

    recorded = library.model() if library is not None else None
    return Embedder.load(model or (recorded.name if recorded else DEFAULT_MODEL), device=device)
