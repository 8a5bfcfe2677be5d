"""Metadata filters (folder, duration, extension, format, sample rate, tag) as SQL on files.

They are resolved to the allowed segment ids that the vector search is restricted to, so a
filtered search still returns k results when k files pass the filters.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session

from clap_search.db import STATUS_OK, File, Segment, Tag, path_key, under
from clap_search.errors import UsageError


@dataclass(frozen=True)
class Filters:
    """Metadata filters applied before ranking; empty tuples and None mean "any"."""

    under: str | None = None
    min_duration: float | None = None
    max_duration: float | None = None
    exts: tuple[str, ...] = ()
    formats: tuple[str, ...] = ()
    sample_rates: tuple[int, ...] = ()
    tags: tuple[str, ...] = ()

    @classmethod
    def build(
        cls,
        folder: str | None = None,
        min_duration: float | None = None,
        max_duration: float | None = None,
        exts: Iterable[str] = (),
        formats: Iterable[str] = (),
        sample_rates: Iterable[int] = (),
        tags: Iterable[str] = (),
    ) -> Filters:
        """Filters from user input: comma lists split, blanks dropped, ranges checked."""
        if min_duration is not None and max_duration is not None and min_duration > max_duration:
            raise UsageError("--min-duration is larger than --max-duration: nothing could match")
        return cls(
            under=folder or None,
            min_duration=min_duration,
            max_duration=max_duration,
            exts=tuple(e.lower().lstrip(".") for e in _split(exts)),
            formats=tuple(f.upper() for f in _split(formats)),
            sample_rates=tuple(int(r) for r in sample_rates if r),
            tags=tuple(_split(tags)),
        )

    @property
    def empty(self) -> bool:
        return self == Filters()


def _split(values: Iterable[str]) -> list[str]:
    return [part.strip() for value in values for part in str(value).split(",") if part.strip()]


def conditions(filters: Filters) -> list[ColumnElement[bool]]:
    """WHERE clauses on `File` for the filters (all must hold; values inside one filter are OR)."""
    where: list[ColumnElement[bool]] = [File.status == STATUS_OK]
    if filters.under:
        where.append(under(path_key(filters.under)))
    if filters.min_duration is not None:
        where.append(File.duration >= filters.min_duration)
    if filters.max_duration is not None:
        where.append(File.duration <= filters.max_duration)
    if filters.exts:
        lowered = func.lower(File.path)
        where.append(or_(*(lowered.endswith("." + ext, autoescape=True) for ext in filters.exts)))
    if filters.formats:
        where.append(func.upper(File.format).in_(filters.formats))
    if filters.sample_rates:
        where.append(File.sample_rate.in_(filters.sample_rates))
    for label in filters.tags:  # every tag asked for must be on the file
        tagged = select(Tag.file_id).where(func.lower(Tag.label) == label.lower())
        where.append(File.id.in_(tagged))
    return where


def matching_files(filters: Filters) -> Select:
    """SELECT of the ids of files that pass the filters."""
    return select(File.id).where(*conditions(filters))


def allowed_segments(session: Session, filters: Filters | None) -> np.ndarray | None:
    """Segment ids the vector search may return, or None when nothing is filtered."""
    if filters is None or filters.empty:
        return None
    stmt = select(Segment.id).join(File).where(*conditions(filters))
    return np.array(session.scalars(stmt).all(), dtype=np.int64)
