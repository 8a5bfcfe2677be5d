"""What the library knows about its files: metadata and tags for hits, one file, and facets."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select

from clap_search.db import STATUS_OK, File, Tag
from clap_search.errors import NotFoundError
from clap_search.library import Library
from clap_search.query import Hit
from clap_search.words.summary import words_of

ID_CHUNK = 10_000


def tags_of(library: Library, file_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
    """file id -> [{"label", "score"}], best first."""
    out: dict[int, list[dict[str, Any]]] = {}
    ids = list(dict.fromkeys(file_ids))
    with library.session() as s:
        for i in range(0, len(ids), ID_CHUNK):
            rows = s.execute(
                select(Tag.file_id, Tag.label, Tag.score)
                .where(Tag.file_id.in_(ids[i : i + ID_CHUNK]))
                .order_by(Tag.file_id, Tag.score.desc())
            )
            for fid, label, score in rows:
                out.setdefault(fid, []).append({"label": label, "score": round(float(score), 4)})
    return out


def _file_fields(row: File) -> dict[str, Any]:
    return {
        "file_id": row.id,
        "path": row.path,
        "folder": os.path.dirname(row.path),
        "name": os.path.basename(row.path),
        "duration": row.duration,
        "sample_rate": row.sample_rate,
        "channels": row.channels,
        "format": row.format,
        "size": row.size,
    }


def describe_hits(library: Library, hits: Sequence[Hit]) -> list[dict[str, Any]]:
    """Each hit's JSON (path, score, start, end, ...) with its file's metadata and tags."""
    ids = [h.file_id for h in hits]
    with library.session() as s:
        rows = {f.id: f for f in s.scalars(select(File).where(File.id.in_(ids)))}
    tags = tags_of(library, ids)
    words = words_of(library, ids)
    out = []
    for hit in hits:
        row = rows.get(hit.file_id)
        meta = _file_fields(row) if row is not None else {}
        out.append({**hit.to_json(), **meta, "tags": tags.get(hit.file_id, []),
                    "words": words.get(hit.file_id, {})})
    return out


def file_info(library: Library, file_id: int) -> dict[str, Any]:
    """Metadata, status and tags of one file; NotFoundError for an unknown id."""
    with library.session() as s:
        row = s.get(File, file_id)
        if row is None:
            raise NotFoundError(f"no file with id {file_id} in the library")
        info = {**_file_fields(row), "status": row.status, "error": row.error}
        info["segments"] = len(row.segments)
    info["tags"] = tags_of(library, [file_id]).get(file_id, [])
    info["words"] = words_of(library, [file_id]).get(file_id, {})
    return info


def file_path(library: Library, file_id: int) -> str:
    """The stored path of an indexed file; NotFoundError for an unknown or failed id."""
    with library.session() as s:
        path = s.scalar(select(File.path).where(File.id == file_id, File.status == STATUS_OK))
    if path is None:
        raise NotFoundError(f"no file with id {file_id} in the library")
    return path


def facets(library: Library, max_folders: int = 500) -> dict[str, Any]:
    """Values the page offers as filters: folders, formats, sample rates, tags, duration range."""
    with library.session() as s:
        ok = File.status == STATUS_OK
        paths = s.scalars(select(File.path).where(ok)).all()
        formats = s.execute(select(File.format, func.count()).where(ok).group_by(File.format)).all()
        rates = s.execute(select(File.sample_rate, func.count()).where(ok).group_by(File.sample_rate)).all()
        tags = s.execute(select(Tag.label, func.count()).group_by(Tag.label).order_by(Tag.label)).all()
        lo, hi = s.execute(select(func.min(File.duration), func.max(File.duration)).where(ok)).one()
    folders = Counter(os.path.dirname(p) for p in paths)
    return {
        "folders": [{"value": f, "count": n} for f, n in sorted(folders.items())[:max_folders]],
        "formats": [{"value": f, "count": n} for f, n in sorted(formats, key=str) if f],
        "sample_rates": [{"value": r, "count": n} for r, n in sorted(rates, key=lambda x: x[0] or 0) if r],
        "tags": [{"value": t, "count": n} for t, n in tags],
        "duration": {"min": lo, "max": hi},
    }
