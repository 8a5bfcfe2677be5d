"""What the library knows about its files' words, for hits, one file, and `status`."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select

from clap_search.db import File, FileWords
from clap_search.library import Library

ID_CHUNK = 10_000


def words_of(library: Library, file_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """file id -> its words (title, description, ..., ucs, name, folders) and any metadata problem."""
    out: dict[int, dict[str, Any]] = {}
    ids = list(dict.fromkeys(file_ids))
    with library.session() as s:
        for i in range(0, len(ids), ID_CHUNK):
            rows = s.execute(select(FileWords.file_id, FileWords.fields, FileWords.error)
                             .where(FileWords.file_id.in_(ids[i : i + ID_CHUNK])))
            for fid, fields, error in rows:
                words = json.loads(fields or "{}")
                if error:
                    words["metadata_error"] = error
                out[fid] = words
    return out


def words_status(library: Library, max_problems: int = 100) -> dict[str, Any]:
    """Counts for `status`: files with useful words, without, and metadata that was left out (why)."""
    with library.session() as s:
        read = s.scalar(select(func.count(FileWords.file_id))) or 0
        useful = s.scalar(select(func.count(FileWords.file_id)).where(FileWords.useful)) or 0
        problems = s.scalar(select(func.count(FileWords.file_id)).where(FileWords.error.is_not(None))) or 0
        rows = s.execute(
            select(File.path, FileWords.error).join(File, File.id == FileWords.file_id)
            .where(FileWords.error.is_not(None)).order_by(File.path).limit(max_problems)
        ).all()
    return {
        "files_read": read,
        "with_words": useful,
        "without_words": read - useful,
        "metadata_problems": problems,
        "problems": [{"path": p, "error": e} for p, e in rows],
    }
