"""Rendering results: Rich tables on a terminal, tab-separated lines when piped, JSON lines with --json."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text


def stdout() -> Console:
    # soft_wrap off a terminal: a pipe gets whole lines, not Rich's 80 columns.
    return Console(highlight=False, soft_wrap=not sys.stdout.isatty())


def stderr() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=not sys.stderr.isatty())


def print_table(table: Table) -> None:
    """A table on stdout: drawn on a terminal; piped, a header line then one tab-separated line a row."""
    console = stdout()
    if console.is_terminal:
        console.print(table)
        return
    columns = [[_cell(c) for c in column.cells] for column in table.columns]
    lines = ["\t".join(_cell(c.header) for c in table.columns)] if table.show_header else []
    lines += ["\t".join(row) for row in zip(*columns)]
    sys.stdout.write("".join(line + "\n" for line in lines))
    sys.stdout.flush()


def _cell(value: Any) -> str:
    text = value.plain if isinstance(value, Text) else str(value)
    return text.replace("\t", "\\t").replace("\n", "\\n")


def json_lines(objects: Iterable[dict[str, Any]]) -> None:
    for obj in objects:
        sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def clock(seconds: float) -> str:
    minutes, secs = divmod(max(seconds, 0.0), 60)
    hours, minutes = divmod(int(minutes), 60)
    return f"{hours}:{minutes:02d}:{secs:04.1f}" if hours else f"{minutes}:{secs:04.1f}"


def hits_table(hits: list[Any], title: str) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("score", justify="right")
    table.add_column("path", overflow="fold")
    table.add_column("time", no_wrap=True)
    for rank, hit in enumerate(hits, 1):
        table.add_row(str(rank), f"{hit.score:.3f}", hit.path, f"{clock(hit.start)}–{clock(hit.end)}")
    return table


def explained_table(hits: list[Any], title: str) -> Table:
    """Hits with the parts of the hybrid score (words/ranker.py)."""
    table = Table(title=title, title_justify="left")
    for name in ("#", "score", "audio", "words", "meaning", "neighbours", "path"):
        table.add_column(name, justify="left" if name == "path" else "right", overflow="fold")
    for rank, hit in enumerate(hits, 1):
        why = hit.explain or {}
        words = f"{max(why.get('lexical', 0), why.get('expanded', 0)):.2f}"
        if why.get("expanded", 0) > why.get("lexical", 0):
            words += f" ≈{why.get('expanded_word')}"
        table.add_row(str(rank), f"{hit.score:.2f}", f"{why.get('audio_z', 0):.2f}", words,
                      f"{why.get('semantic_credit', 0):.2f}", f"{why.get('borrowed', 0):.2f}", hit.path)
    table.caption = ("score = audio (z vs library) + 4 x words (share of query words in the name/tags, or "
                     "≈ a word meaning the query) + 4 x meaning (text tower on the words) + 3 x neighbours "
                     "(best audio neighbour's match plus sounding like the matched files, at most 1)")
    return table


def human_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"
