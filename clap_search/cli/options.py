"""Options every command shares, and the few steps they all take (open library, load model)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from clap_search.embed import Embedder
    from clap_search.filters import Filters
    from clap_search.library import Library
    from clap_search.text_embed import TextEmbedder

LibraryOpt = Annotated[
    str | None,
    typer.Option(
        "--library",
        metavar="DIR|URL",
        help="Library folder, or a PostgreSQL URL such as postgresql://user@host/db "
        "(default: $CLAP_SEARCH_LIBRARY, else the per-user data folder).",
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
DEFAULT_DEVICE = "auto"
DeviceOpt = Annotated[
    str,
    typer.Option(
        "--device",
        metavar="DEVICE",
        help="auto (a GPU when torch sees one, else the CPU), cpu or cuda.",
        show_default=True,
    ),
]
# Read by cli.main before the command runs (it decides on logging and tracebacks).
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="Log details; show tracebacks.")]
TopKOpt = Annotated[int, typer.Option("-k", "--top", metavar="N", min=1, help="How many results.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="One JSON object per line on stdout.")]


def open_library(folder: str | Path | None, create: bool = False) -> Library:
    from clap_search.library import Library

    return Library.open(folder, create=create)


def require_sounds(lib: Library) -> None:
    """Say so when the library holds no indexed sound (called when a search came back empty)."""
    from sqlalchemy import select

    from clap_search.db import STATUS_OK, File
    from clap_search.errors import EmptyLibraryError

    with lib.session() as s:
        if s.scalar(select(File.id).where(File.status == STATUS_OK).limit(1)) is None:
            raise EmptyLibraryError(
                f"the library at {lib.location} is empty: add sounds with `clap-search index DIR`"
            )


def model_name(model: str | None, library: Library | None) -> str:
    """The model asked for, else the one the library was built with, else the default."""
    from clap_search.factory import DEFAULT_MODEL

    recorded = library.model() if library is not None else None
    return model or (recorded.name if recorded else DEFAULT_MODEL)


def load_embedder(model: str | None, device: str, library: Library | None = None) -> Embedder:
    from clap_search.embed import Embedder

    return Embedder.load(model_name(model, library), device=device)


def load_text_embedder(
    model: str | None, device: str, library: Library | None = None
) -> Embedder | TextEmbedder:
    """A text query's encoder: the numpy text tower where the model has one (torch never loads)."""
    from clap_search.text_embed import load_text_embedder as load

    return load(model_name(model, library), device=device)


FolderOpt = Annotated[
    Path | None,
    typer.Option("--folder", "--under", metavar="DIR", help="Only files under DIR.", show_default=False),
]
MinDurationOpt = Annotated[
    float | None,
    typer.Option(
        "--min-duration", metavar="SECONDS", help="Only files at least this long.", show_default=False
    ),
]
MaxDurationOpt = Annotated[
    float | None,
    typer.Option(
        "--max-duration", metavar="SECONDS", help="Only files at most this long.", show_default=False
    ),
]
ExtOpt = Annotated[
    list[str] | None,
    typer.Option("--ext", metavar="EXT", help="Only these extensions (repeat or comma-separate: wav,flac)."),
]
TagOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--tag", metavar="LABEL", help="Only files tagged LABEL by `clap-search tag` (repeat: must have all)."
    ),
]


def build_filters(
    folder: Path | None,
    min_duration: float | None,
    max_duration: float | None,
    ext: list[str] | None,
    tag: list[str] | None,
) -> Filters:
    """The query filters from the shared options."""
    from clap_search.filters import Filters

    return Filters.build(
        folder=str(folder.expanduser().absolute()) if folder else None,
        min_duration=min_duration,
        max_duration=max_duration,
        exts=ext or (),
        tags=tag or (),
    )


LabelsOpt = Annotated[
    str | None,
    typer.Option(
        "--labels",
        metavar="A,B,C",
        help='Comma-separated labels, e.g. "dog,cat,rain" (this or --labels-file is required).',
        show_default=False,
    ),
]
LabelsFileOpt = Annotated[
    Path | None,
    typer.Option("--labels-file", metavar="FILE", help="A file with one label per line.", show_default=False),
]
TemplateOpt = Annotated[
    str | None,
    typer.Option(
        "--template",
        metavar="TEXT",
        help="Prompt with {label} in it (default: the model's, e.g. 'this is a sound of {label}').",
        show_default=False,
    ),
]


def read_labels(labels: str | None, labels_file: Path | None) -> list[str]:
    """Labels from --labels-file (one per line) or --labels (comma-separated)."""
    from clap_search.errors import NotFoundError, UsageError

    if labels_file is not None:
        if not labels_file.is_file():
            raise NotFoundError(f"no such labels file: {labels_file}")
        return labels_file.read_text(encoding="utf-8").splitlines()
    if labels is None:
        raise UsageError('no labels: give --labels "dog,cat,rain" or --labels-file FILE')
    return labels.split(",")


ThreadsOpt = Annotated[
    int | None,
    typer.Option(
        "--threads",
        metavar="N",
        min=1,
        help="Threads for decoding and the model together (default: the cores this process may use).",
        show_default=False,
    ),
]
