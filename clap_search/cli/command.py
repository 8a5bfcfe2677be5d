"""The command class every subcommand is registered with: help that reads like a person wrote it."""

from __future__ import annotations

import re
from typing import Any

from typer.core import TyperCommand


class Command(TyperCommand):
    """Typer's command, with arguments shown as `FOLDER`: typer >= 0.26 writes `{FOLDER}` in the
    usage line and a type after each argument (`FOLDER <path>`, `PATH <list[Path]>`)."""

    def collect_usage_pieces(self, ctx: Any) -> list[str]:
        pieces = super().collect_usage_pieces(ctx)
        return [re.sub(r"(\.\.\.)+$", "...", re.sub(r"^\{(.+)\}", r"\1", piece)) for piece in pieces]

    def format_options(self, ctx: Any, formatter: Any) -> None:
        arguments, options = [], []
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is None:
                continue
            if param.param_type_name == "argument":
                arguments.append((param.metavar or param.name.upper(), record[1]))
            else:
                options.append(record)
        for title, rows in (("Arguments", arguments), ("Options", options)):
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)
