"""`clap-search models`: list the models known here; `import` a checkpoint file; `pull` a published one."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from clap_search.cli import render
from clap_search.cli.command import Command
from clap_search.cli.options import JsonOpt, VerboseOpt

app = typer.Typer(
    name="models",
    help="List, import and download models. Example: clap-search models pull msclap-2022",
    invoke_without_command=True,
    no_args_is_help=False,
)


@app.callback()
def models(ctx: typer.Context, as_json: JsonOpt = False, verbose: VerboseOpt = False) -> None:
    """List every model: bundled, published (present or not) and imported ones.

    Example: clap-search models --json
    """
    if ctx.invoked_subcommand is not None:
        return
    from clap_search.families.listing import list_models

    rows = list_models()
    if as_json:
        render.json_lines(r.to_json() for r in rows)
        return
    table = Table(title="models", title_justify="left")
    for col in ("name", "family", "dim", "audio", "size", "licence", "ESC-50", "here"):
        table.add_column(col, overflow="fold")
    sources: list[str] = []
    for r in rows:
        size = render.human_bytes(r.bytes) if r.bytes else "-"
        esc = "-"
        if r.esc50 is not None:
            sources.append(f"[{len(sources) + 1}] {r.esc50_source}")
            esc = f"{r.esc50:.1f} % [{len(sources)}]"
        here = "yes" if r.present else ("pull" if r.runnable else "not yet")
        table.add_row(r.name, r.family, str(r.dim), f"{r.sample_rate / 1000:g} kHz, {r.window_seconds:g} s",
                      size, r.licence, esc, here)
    out = render.stdout()
    render.print_table(table)
    out.print("ESC-50: published zero-shot accuracy. " + "; ".join(sources), markup=False, soft_wrap=True)
    out.print("here: 'pull' = `clap-search models pull NAME` (or --from FILE); "
              "'not yet' = a family this version cannot run", markup=False, soft_wrap=True)


@app.command("import", cls=Command)
def import_(
    source: Annotated[Path, typer.Argument(help="A checkpoint (.pth, .pt, .bin, .safetensors) or a folder.")],
    name: Annotated[str, typer.Option("--name", help="The name to use with --model.")],
    family: Annotated[str | None, typer.Option("--family", help="Override the recognised family.")] = None,
    verbose: VerboseOpt = False,
) -> None:
    """Convert an original checkpoint once into the per-user model store.

    Example: clap-search models import ~/Downloads/CLAP_weights_2022.pth --name msclap-2022
    """
    from clap_search.families.store import import_model

    done = import_model(source, name, family)
    out = render.stdout()
    out.print(f"imported {done.name} ({done.family}, version {done.version}) into {done.path}",
              markup=False, soft_wrap=True)


@app.command("pull", cls=Command)
def pull(
    name: Annotated[str, typer.Argument(help="A published model (see `clap-search models`).")],
    from_file: Annotated[
        Path | None, typer.Option("--from", metavar="FILE", help="Use this copy instead of downloading.")
    ] = None,
    verbose: VerboseOpt = False,
) -> None:
    """Download a published model (pinned revision) and convert it, or take it from --from FILE.

    Example: clap-search models pull msclap-2022 --from /mnt/share/CLAP_weights_2022.pth
    """
    from clap_search.families.published import published
    from clap_search.families.published import pull as pull_model

    entry = published(name)
    render.stderr().print(f"{entry.name}: {entry.description}; weights under {entry.licence}",
                          markup=False, soft_wrap=True)
    done = pull_model(name, from_file)
    render.stdout().print(f"ready: --model {done.name} ({done.family}, version {done.version})",
                          markup=False, soft_wrap=True)
