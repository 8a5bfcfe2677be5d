"""Stage 4: files, segments and vectors go to the DB in small transactions, then into the index."""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from clap_search.db import STATUS_FAILED, STATUS_OK, File, Segment, vector_to_blob
from clap_search.indexer.decode import Decoded
from clap_search.library import Library

ADDED, UPDATED, MOVED, FAILED = "added", "updated", "moved", "failed"


class Writer:
    """Commits every few files or seconds, so an interrupted run keeps what it finished."""

    def __init__(self, library: Library, every_files: int | None = None, every_seconds: float = 5.0) -> None:
        self.library = library
        self.every_files = every_files or library.commit_every_files
        self.every_seconds = every_seconds
        self.session: Session = library.session()
        self._added: list[tuple[int, np.ndarray]] = []
        self._removed: list[int] = []
        self._files = 0
        self._last = time.monotonic()

    def write(self, item: Decoded) -> str:
        """Record one file (in a savepoint: a failure leaves no half-written file); returns the outcome."""
        with self.session.begin_nested():
            outcome = self._write(item)
        self._files += 1
        if self._files >= self.every_files or time.monotonic() - self._last >= self.every_seconds:
            self.flush()
        return outcome

    def _write(self, item: Decoded) -> str:
        cand = item.candidate
        self.library.lock_path(self.session, cand.key)
        row = self.session.scalar(select(File).where(File.path == cand.key))
        if item.moved_from is not None:
            if row is not None:
                self._drop_file(row.id)
            row = self.session.get(File, item.moved_from)
            assert row is not None
            row.path, row.size, row.mtime, row.indexed_at = cand.key, cand.size, cand.mtime, time.time()
            return MOVED
        outcome = UPDATED if row is not None else ADDED
        if row is None:
            row = File(path=cand.key, size=cand.size, mtime=cand.mtime, indexed_at=time.time())
            self.session.add(row)
        else:
            self._drop_segments(row.id)
        row.size, row.mtime, row.indexed_at = cand.size, cand.mtime, time.time()
        row.content_hash, row.audio_hash = item.content_hash, item.audio_hash
        row.fingerprint = None if item.fingerprint is None else vector_to_blob(item.fingerprint)
        if item.error or item.segments is None:
            row.status, row.error = STATUS_FAILED, item.error or "no audio"
            row.duration = row.sample_rate = row.channels = row.format = None
            return FAILED
        info = item.info
        assert info is not None
        row.status, row.error = STATUS_OK, item.warning  # on a good file, `error` holds the decoder's warning
        row.duration, row.sample_rate, row.channels, row.format = (
            info.duration,
            info.sample_rate,
            info.channels,
            info.format,
        )
        self.session.flush()
        seg = item.segments
        rows = [
            Segment(file_id=row.id, start=float(s), end=float(e), vector=vector_to_blob(v))
            for s, e, v in zip(seg.starts, seg.ends, seg.vectors)
        ]
        self.session.add_all(rows)
        self.session.flush()
        self._added.extend((r.id, v) for r, v in zip(rows, seg.vectors))
        return outcome

    def _drop_segments(self, file_id: int) -> None:
        ids = self.session.scalars(select(Segment.id).where(Segment.file_id == file_id)).all()
        self._removed.extend(ids)
        self.session.execute(delete(Segment).where(Segment.file_id == file_id))

    def _drop_file(self, file_id: int) -> None:
        self._drop_segments(file_id)
        self.session.execute(delete(File).where(File.id == file_id))

    def remove_files(self, file_ids: Sequence[int]) -> None:
        """Forget files that are gone from disk."""
        with self.session.begin_nested():
            for file_id in file_ids:
                self._drop_file(file_id)
        self.flush()

    def flush(self) -> None:
        """Commit, then mirror the committed change into the in-memory index."""
        self.session.commit()
        store = self.library.store
        # A segment added and dropped again in this batch (a file written twice) never reaches the
        # index: removing first and adding after would leave ids in FAISS that the DB lacks.
        removed = set(self._removed)
        added = [(i, v) for i, v in self._added if i not in removed]
        store.remove(removed - {i for i, _ in self._added})
        if added:
            ids = np.array([i for i, _ in added], dtype=np.int64)
            store.add(ids, np.stack([v for _, v in added]))
        self._added, self._removed = [], []
        self._files, self._last = 0, time.monotonic()

    def close(self) -> None:
        """Keep the work finished so far (also on Ctrl-C): every written file is complete."""
        try:
            self.flush()
        finally:
            self.session.close()
