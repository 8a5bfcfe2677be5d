"""Per-file licence and copyright holders from a package's machine-readable Debian copyright file.

DEP-5 `Files:` patterns are paths in the upstream source tree, not where the package installs them,
so only the conservative case is used: a pattern naming one file (no wildcard) whose last two path
segments (or its whole path, when it has fewer) equal the installed path's — archive members included
(`0snd.pk3!sound/ambience/fire.ogg` ends like `base/sound/ambience/fire.ogg`). Wildcard paragraphs are
left to the package-level licence (sources.LICENCES), which is what the package says for its sounds.
"""

from __future__ import annotations

import os
from functools import cache

DOC = "/usr/share/doc"


def parse_dep5(text: str) -> list[dict]:
    """Paragraphs of a DEP-5 file as {field: value}; continuation lines are joined with newlines."""
    paras, cur, key = [], {}, None
    for line in text.splitlines():
        if not line.strip():
            if cur:
                paras.append(cur)
            cur, key = {}, None
        elif line[0] in " \t" and key:
            cur[key] += "\n" + line.strip()
        elif ":" in line:
            key, _, val = line.partition(":")
            key = key.strip()
            cur[key] = val.strip()
    if cur:
        paras.append(cur)
    return paras


def _tail(path: str, n: int) -> tuple[str, ...]:
    segs = [s for s in path.replace("!", "/").split("/") if s]
    return tuple(segs[-n:])


@cache
def file_credits(package: str, doc: str = DOC) -> dict:
    """{trailing path segments: (licence, copyright holders)} for the single-file patterns."""
    try:
        with open(os.path.join(doc, package, "copyright"), encoding="utf-8", errors="replace") as f:
            text = f.read()
    except OSError:
        return {}
    if not text.startswith("Format:"):
        return {}
    out = {}
    for p in parse_dep5(text):
        if "Files" not in p or "License" not in p:
            continue
        lic = p["License"].split("\n", 1)[0].strip()
        holders = " ".join(p.get("Copyright", "").split())
        for pat in p["Files"].split():
            if any(ch in pat for ch in "*?["):
                continue
            out[_tail(pat, 2)] = (lic, holders)
    return out


def credit_for(package: str, path: str, doc: str = DOC) -> tuple[str, str] | None:
    """(licence, copyright holders) when the copyright file names this very file, else None."""
    table = file_credits(package, doc)
    if not table:
        return None
    return table.get(_tail(path, 2)) or table.get(_tail(path, 1))
