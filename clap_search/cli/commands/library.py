"""`clap-search library copy SRC DST`: move a library between a folder and PostgreSQL."""

from __future__ import annotations

from typing import Annotated

import typer

from clap_search.cli import render
from clap_search.cli.command import Command
from clap_search.cli.options import JsonOpt, VerboseOpt

app = typer.Typer(
    name="library",
    help="Work on whole libraries. Example: clap-search library copy ~/.local/share/clap-search "
    "postgresql://me@db/sounds",
    no_args_is_help=True,
)


@app.command("copy", cls=Command)
def copy(
    source: Annotated[str, typer.Argument(metavar="SRC", help="The library to copy: a folder or a URL.")],
    destination: Annotated[
        str, typer.Argument(metavar="DST", help="An empty library (created if missing): a folder or a URL.")
    ],
    as_json: JsonOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Copy a library, vectors included (nothing is decoded or re-embedded), e.g. into PostgreSQL.

    \b
    Example: clap-search library copy ~/.local/share/clap-search postgresql://me@dbhost/sounds
    """
    from clap_search.library import Library
    from clap_search.migrate import copy_library

    src = Library.open(source)
    try:
        dst = Library.open(destination, create=True)
        try:
            summary = copy_library(src, dst)
            where = (src.location, dst.location)
        finally:
            dst.close()
    finally:
        src.close()
    if as_json:
        render.json_lines([summary.to_json()])
        return
    render.stdout().print(
        f"copied {summary.files} files and {summary.segments} segments ({summary.rows} rows, vectors "
        f"included) from {where[0]} to {where[1]} in {summary.seconds:.1f} s",
        markup=False, soft_wrap=True,
    )
