"""`clap-search remove PATH...`: forget files, or every file under folders."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from clap_search.cli import render
from clap_search.cli.options import LibraryOpt, VerboseOpt, open_library


def remove(
    paths: Annotated[
        list[Path],
        typer.Argument(
            metavar="PATH...",
            help="Files or folders to forget (they may be gone from disk).",
            show_default=False,
        ),
    ],
    library: LibraryOpt = None,
    verbose: VerboseOpt = False,
) -> None:
    """Forget files or folders; the sound files themselves are not touched.

    \b
    Example: clap-search remove ~/sounds/old_takes
    """
    from clap_search.db import path_key
    from clap_search.errors import NotFoundError

    lib = open_library(library)
    removed = lib.forget(paths)
    if removed == 0:
        raise NotFoundError(f"nothing in the library at {', '.join(path_key(p) for p in paths)}")
    render.stdout().print(f"removed {removed} file{'s' if removed != 1 else ''}")
