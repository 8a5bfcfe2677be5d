"""`clap-search index DIR`: add a folder of sounds to the library, or bring it up to date."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from clap_search.cli import render
from clap_search.cli.options import (
    DEFAULT_DEVICE,
    DeviceOpt,
    JsonOpt,
    LibraryOpt,
    ModelOpt,
    ThreadsOpt,
    VerboseOpt,
    load_embedder,
    open_library,
)

SHOWN_FAILURES = 20


class RichProgress:
    """The indexer's progress as a Rich bar on stderr: files, audio hours, speed, ETA."""

    def __init__(self) -> None:
        self.bar = Progress(
            TextColumn("indexing"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[hours]:.2f} h audio"),
            TextColumn("{task.fields[rate]:.1f}x realtime"),
            TimeRemainingColumn(),
            console=render.stderr(),
            transient=True,
        )
        self.task = self.bar.add_task("index", total=None, hours=0.0, rate=0.0)
        self.audio = 0.0

    def start(self, total_files: int) -> None:
        self.bar.update(self.task, total=total_files)

    def advance(self, audio_seconds: float) -> None:
        self.audio += audio_seconds
        elapsed = self.bar.tasks[0].elapsed or 1e-9
        self.bar.update(self.task, advance=1, hours=self.audio / 3600, rate=self.audio / elapsed)


def _summary_json(summary: Any) -> dict[str, Any]:
    keys = ("added", "updated", "unchanged", "removed", "moved", "failed", "seconds", "audio_seconds")
    out = {key: getattr(summary, key) for key in keys}
    out["failures"] = [{"path": p, "error": e} for p, e in summary.failures]
    out["warnings"] = summary.warnings
    return out


def _summary_table(summary: Any) -> Table:
    table = Table(title="index summary", title_justify="left")
    for name in ("added", "updated", "unchanged", "removed", "moved", "failed"):
        table.add_column(name, justify="right")
    table.add_row(
        *(str(getattr(summary, n)) for n in ("added", "updated", "unchanged", "removed", "moved", "failed"))
    )
    return table


def index(
    folder: Annotated[
        Path,
        typer.Argument(
            metavar="FOLDER", help="Folder (or single file) of sounds to index.", show_default=False
        ),
    ],
    rebuild: Annotated[
        bool, typer.Option("--rebuild", help="Forget everything and re-embed with --model.")
    ] = False,
    max_hours: Annotated[
        float,
        typer.Option(
            "--max-hours", min=0.001, metavar="HOURS",
            help="Longest file to index; longer ones are recorded as failed with the reason.",
        ),
    ] = 24.0,
    library: LibraryOpt = None,
    model: ModelOpt = None,
    device: DeviceOpt = DEFAULT_DEVICE,
    threads: ThreadsOpt = None,
    ray: Annotated[
        str | None,
        typer.Option(
            "--ray", metavar="ADDRESS",
            help="Decode and embed as Ray tasks: auto (the running cluster), local (start one here) "
            "or a cluster address. Workers must see the files and the model at the same paths.",
            show_default=False,
        ),
    ] = None,
    as_json: JsonOpt = False,
    verbose: VerboseOpt = False,
) -> None:
    """Index a folder of sounds; a second run only reads what changed.

    \b
    Example: clap-search index ~/sounds
    Example: clap-search index /mnt/share/sounds --ray auto --library postgresql://me@db/sounds
    """
    from clap_search.db import path_key
    from clap_search.errors import LibraryNotFoundError, NotFoundError
    from clap_search.indexer.pipeline import index_folder
    from clap_search.threads import limit_threads, plan_index_threads

    if not folder.exists():
        raise NotFoundError(f"no such file or folder: {path_key(folder)}")
    plan = plan_index_threads(threads)
    limit_threads(plan.compute)  # before the model and the index load: their pools start capped
    try:
        lib = open_library(library)
    except LibraryNotFoundError:  # create it only once the model loads: a failed run leaves nothing
        embedder = load_embedder(model, device, None)
        lib = open_library(library, create=True)
    else:
        embedder = load_embedder(model, device, None if rebuild else lib)
    cluster = None
    if ray is not None:
        from clap_search.cli.options import model_name
        from clap_search.indexer.distributed import RayOptions

        name = model_name(model, None if rebuild else lib)
        if Path(name).exists():  # a checkpoint file: the workers need its absolute path
            name = str(Path(name).absolute())
        cluster = RayOptions(ray, name, str(embedder.device))
    progress = RichProgress()
    with progress.bar:
        summary = index_folder(
            lib, folder, embedder, progress=progress, rebuild=rebuild,
            workers=plan.decode, max_seconds=max_hours * 3600, ray=cluster, words_threads=plan.words,
        )
    if as_json:
        render.json_lines([_summary_json(summary)])
        return
    _print_summary(summary, lib.location)


def _print_summary(summary: Any, root: str) -> None:
    out, err = render.stdout(), render.stderr()
    for warning in summary.warnings[:SHOWN_FAILURES]:
        err.print(f"warning: {warning}", markup=False)
    if len(summary.warnings) > SHOWN_FAILURES:
        more = len(summary.warnings) - SHOWN_FAILURES
        err.print(f"... and {more} more warnings (see --json)", markup=False)
    changed = sum(getattr(summary, n) for n in ("added", "updated", "removed", "moved", "failed"))
    if not changed:
        files = f"{summary.unchanged} file{'s' if summary.unchanged != 1 else ''}"
        out.print(f"nothing changed: {files} already up to date in the library at {root}", markup=False)
        return
    render.print_table(_summary_table(summary))
    for path, reason in summary.failures[:SHOWN_FAILURES]:
        out.print(f"failed: {path}: {reason}", markup=False)
    if len(summary.failures) > SHOWN_FAILURES:
        out.print(f"... and {len(summary.failures) - SHOWN_FAILURES} more (see `clap-search status`)")
    done = f"library: {root}"
    if summary.audio_seconds and summary.seconds:
        rate = summary.audio_seconds / summary.seconds
        audio = summary.audio_seconds
        amount = f"{audio / 3600:.2f} h" if audio >= 360 else f"{audio:.0f} s"
        done = f"{amount} of audio in {summary.seconds:.1f} s ({rate:.0f}x realtime); {done}"
    out.print(done, markup=False)
