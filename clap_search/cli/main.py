"""Entry point: builds the Typer app and is the one place errors become `error: ...` and exit codes."""

from __future__ import annotations

import logging
import sys
import traceback
from typing import Annotated

import typer

from clap_search import __version__
from clap_search.cli.command import Command
from clap_search.cli.commands import (
    adapt,
    classify,
    duplicates,
    export,
    index,
    library,
    models,
    query,
    remove,
    serve,
    similar,
    status,
    tag,
)
from clap_search.cli.options import LibraryOpt, ModelOpt, VerboseOpt
from clap_search.errors import ClapSearchError

# Typer <= 0.25 raises click's exceptions; later versions carry their own copy of click
# (`typer._click`) and raise those, which `import click` would not catch. Take the classes from
# the typer that is installed: BadParameter is exported by every version and derives from
# ClickException in all of them; typer.Exit / typer.Abort are what its core raises.
ClickException: type[Exception] = next(
    c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException"
)
Exit: type[BaseException] = typer.Exit
Abort: type[BaseException] = typer.Abort

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


app = typer.Typer(
    name="clap-search",
    add_completion=False,
    pretty_exceptions_enable=False,
    # Plain help, as click prints it: the Rich panels of typer >= 0.26 show `<bool>` on every flag.
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
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
    app.command(cls=Command)(command)
app.add_typer(models.app)
app.add_typer(library.app)


def _show_version(value: bool) -> None:
    if value:
        print(f"clap-search {__version__}")
        raise typer.Exit()


@app.callback()
def shared_options(
    ctx: typer.Context,
    library: LibraryOpt = None,
    model: ModelOpt = None,
    device: Annotated[
        str | None,
        typer.Option(
            "--device", metavar="DEVICE", help="auto, cpu or cuda (default: auto).", show_default=False
        ),
    ] = None,
    verbose: VerboseOpt = False,
    show_version: Annotated[
        bool | None,
        typer.Option("--version", callback=_show_version, is_eager=True, help="Print the version and exit."),
    ] = None,
) -> None:
    """Search a sound library by text and by sound with a CLAP model, offline.

    --library, --model and --device may also come before the command; they apply to it.

    \b
    Example: clap-search index ~/sounds && clap-search query "dog barking in rain"
    """
    given = {"library": library, "model": model, "device": device}
    defaults = {key: value for key, value in given.items() if value is not None}
    # The same defaults for every command: a command without such an option ignores them.
    ctx.default_map = {name: defaults for name in ctx.command.commands}  # type: ignore[attr-defined]


def configure_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("faiss.loader").setLevel(logging.WARNING)


def usage_line(exc: Exception) -> str:
    """A usage error as one line, with where to look: `error: ... (see clap-search query --help)`."""
    message = " ".join(exc.format_message().split()).rstrip(".")  # type: ignore[attr-defined]
    if message[:2].istitle():  # "No such command" -> "no such command", like our other errors
        message = message[0].lower() + message[1:]
    ctx = getattr(exc, "ctx", None)
    where = ctx.command_path if ctx is not None else "clap-search"
    return f"error: {message} (see {where} --help)"


def main(argv: list[str] | None = None) -> int:
    """Run the app; returns the exit code instead of exiting (tests call this)."""
    args = sys.argv[1:] if argv is None else list(argv)
    verbose = any(a in ("-v", "--verbose") for a in args)
    configure_logging(verbose)
    try:
        result = app(args=args or ["--help"], prog_name="clap-search", standalone_mode=False)
    except ClapSearchError as exc:
        if verbose:
            traceback.print_exc(file=sys.stderr)
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except Exit as exc:
        return exc.exit_code  # type: ignore[attr-defined]
    except ClickException as exc:  # bad usage: one line too, like every other error
        if verbose:
            traceback.print_exc(file=sys.stderr)
        print(usage_line(exc), file=sys.stderr)
        return EXIT_USAGE
    except (KeyboardInterrupt, Abort):
        print(
            "interrupted: work already committed is kept; run the same command again to resume",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    # Outside standalone mode, click and typer answer an Exit (`--help`, `--version`) with its code.
    return result if isinstance(result, int) else 0


def run() -> None:
    """The `clap-search` console script."""
    sys.exit(main())
