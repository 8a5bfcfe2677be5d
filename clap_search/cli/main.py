"""Entry point: builds the Typer app and is the one place errors become `error: ...` and exit codes."""

from __future__ import annotations

import logging
import sys
import traceback

import click
import typer

from clap_search.cli.commands import (
    adapt,
    classify,
    duplicates,
    export,
    index,
    query,
    remove,
    serve,
    similar,
    status,
    tag,
)
from clap_search.errors import ClapSearchError

app = typer.Typer(
    name="clap-search",
    help="Search a sound library by text and by sound with a CLAP model, offline.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
for command in (
    index.index,
    query.query,
    similar.similar,
    classify.classify,
    status.status,
    remove.remove,
    tag.tag,
    duplicates.duplicates,
    export.export,
    serve.serve,
    adapt.adapt,
):
    app.command()(command)

EXIT_INTERRUPTED = 130


def configure_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("faiss.loader").setLevel(logging.WARNING)


def main(argv: list[str] | None = None) -> int:
    """Run the app; returns the exit code instead of exiting (tests call this)."""
    args = sys.argv[1:] if argv is None else list(argv)
    verbose = any(a in ("-v", "--verbose") for a in args)
    configure_logging(verbose)
    try:
        app(args=args, prog_name="clap-search", standalone_mode=False)
    except ClapSearchError as exc:
        if verbose:
            traceback.print_exc(file=sys.stderr)
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:  # bad usage: one line too, like every other error
        print(f"error: {exc.format_message()} (see clap-search --help)", file=sys.stderr)
        return exc.exit_code
    except (KeyboardInterrupt, click.exceptions.Abort):
        print(
            "interrupted: work already committed is kept; run the same command again to resume",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    return 0


def run() -> None:
    """The `clap-search` console script."""
    sys.exit(main())
