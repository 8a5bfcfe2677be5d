"""A library folder: the SQLite database and FAISS index side by side, with a writer lock.

A library URL (`postgresql://...`) opens the same tables in PostgreSQL instead (postgres.py): a
subclass that keeps the vectors and their index in the database and overrides the few methods
below that touch files (the writer lock, the FAISS cache, sizes)."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import platformdirs
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from clap_search.db import (
    STATUS_FAILED,
    STATUS_OK,
    File,
    Meta,
    Root,
    Segment,
    blob_to_vectors,
    open_engine,
    path_key,
    under,
)
from clap_search.errors import LibraryLockedError, LibraryNotFoundError, ModelMismatchError, UsageError
from clap_search.store import VectorStore, index_kind

if TYPE_CHECKING:
    from clap_search.filters import Filters

ENV_VAR = "CLAP_SEARCH_LIBRARY"
DB_NAME = "library.sqlite"
INDEX_NAME = "vectors.faiss"
LOCK_NAME = "write.lock"
REBUILD_BATCH = 20_000


class HasIdentity(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def version(self) -> str: ...

    @property
    def dim(self) -> int: ...


@dataclass(frozen=True)
class LibraryModel:
    """The model identity a library recorded when its first vectors were written."""

    name: str
    version: str
    dim: int

    def matches(self, other: HasIdentity) -> bool:
        return (self.name, self.version, self.dim) == (other.name, other.version, other.dim)


@dataclass
class LibraryStats:
    """What `status` shows."""

    root: Path | str  # the folder, or the database URL (password hidden)
    files: int
    failed: int
    segments: int
    audio_seconds: float
    model: LibraryModel | None
    index_type: str
    db_bytes: int
    index_bytes: int
    failures: list[tuple[str, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """What `status --json` prints and `GET /api/status` answers."""
        model = self.model
        return {
            "library": str(self.root),
            "files": self.files,
            "failed": self.failed,
            "segments": self.segments,
            "hours": self.audio_seconds / 3600,
            "model": {"name": model.name, "version": model.version, "dim": model.dim} if model else None,
            "index_type": self.index_type,
            "db_bytes": self.db_bytes,
            "index_bytes": self.index_bytes,
            "failures": [{"path": p, "error": e} for p, e in self.failures],
        }


def library_dir(option: str | Path | None = None) -> Path:
    """`--library DIR`, else $CLAP_SEARCH_LIBRARY, else the per-user data folder."""
    chosen = option or os.environ.get(ENV_VAR) or platformdirs.user_data_dir("clap-search", appauthor=False)
    return Path(chosen).expanduser().absolute()


def is_database_url(location: str | Path | None) -> bool:
    """True for `postgresql://...` (also `postgres://`, `postgresql+psycopg://`): a server library."""
    scheme = location.split("://", 1)[0].split("+", 1)[0] if isinstance(location, str) else ""
    return scheme in ("postgresql", "postgres")


def library_location(option: str | Path | None = None) -> str | Path:
    """`--library DIR|URL`, else $CLAP_SEARCH_LIBRARY, else the per-user data folder."""
    chosen = option or os.environ.get(ENV_VAR)
    return chosen if is_database_url(chosen) else library_dir(chosen)  # type: ignore[return-value]


class Library:
    """An open library; the database is the truth and the FAISS file a cache rebuilt from it."""

    # Files written per commit (each file in its own savepoint either way).
    commit_every_files = 16
    # The vector index is a file beside the database that can fall out of step (status --check).
    separate_index = True

    def __init__(self, root: Path) -> None:
        self.root = root
        self.db_path = root / DB_NAME
        self.index_path = root / INDEX_NAME
        self.engine = open_engine(self.db_path)
        self._store: VectorStore | None = None
        self._loaded_mark: tuple[int, int] | None = None
        self._lock_fd: int | None = None

    @classmethod
    def open(cls, root: str | Path | None = None, create: bool = False) -> Library:
        location = library_location(root)
        if isinstance(location, str):
            from clap_search.postgres import PostgresLibrary

            return PostgresLibrary.open_url(location, create=create)
        path = location
        if not (path / DB_NAME).exists():
            if not create:
                raise LibraryNotFoundError(
                    f"no library at {path} yet: build one with `clap-search index DIR` "
                    f"(or point --library or ${ENV_VAR} at an existing library)"
                )
            path.mkdir(parents=True, exist_ok=True)
        return cls(path)

    @property
    def location(self) -> str:
        """Where the library is, as shown to the user: its folder (or its URL, password hidden)."""
        return str(self.root)

    def close(self) -> None:
        self.engine.dispose()

    def restrict(self, session: Session, filters: Filters | None) -> np.ndarray | None:
        """What a filtered vector search may return: here the allowed segment ids (None: all)."""
        from clap_search.filters import allowed_segments

        return allowed_segments(session, filters)

    def lock_path(self, session: Session, key: str) -> None:
        """Hold `key` for the writer's current transaction (the folder library has one writer)."""

    @contextmanager
    def bulk_load(self) -> Iterator[None]:
        """Around a large load of rows (`library copy`): the FAISS index is built afterwards anyway."""
        yield

    def word_index(self) -> Any:
        """The word vectors' index when the database searches them itself, else None (words.faiss)."""
        return None

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the writer lock: a second indexer on the same library is refused, not mixed in."""
        if self._lock_fd is not None:
            yield
            return
        fd = os.open(self.root / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise LibraryLockedError(
                f"another clap-search process is writing to {self.location}: wait for it to finish"
            ) from None
        self._lock_fd = fd
        try:
            yield
        finally:
            self._lock_fd = None
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def _meta(self, session: Session) -> Meta:
        meta = session.get(Meta, 1)
        if meta is None:
            meta = Meta(id=1, generation=0, index_type="flat")
            session.add(meta)
            session.flush()
        return meta

    def model(self) -> LibraryModel | None:
        with self.session() as s:
            meta = s.get(Meta, 1)
            if meta is None or meta.model_name is None:
                return None
            return LibraryModel(meta.model_name, meta.model_version or "", meta.dim or 0)

    def check_model(self, identity: HasIdentity, doing: str = "search") -> None:
        """Refuse a model other than the one that built the library, saying how to go on."""
        have = self.model()
        if have is None or have.matches(identity):
            return
        raise self.mismatch(have, identity, doing)

    def mismatch(self, have: LibraryModel, identity: HasIdentity, doing: str) -> ModelMismatchError:
        return ModelMismatchError(
            f"this library ({self.location}) was built with model '{have.name}' ({have.version}, "
            f"{have.dim}-d) and cannot {doing} with '{identity.name}' ({identity.version}, "
            f"{identity.dim}-d): use --model {have.name}, or re-index with "
            f"`clap-search index DIR --model {identity.name} --rebuild`, or use another --library"
        )

    def claim_model(self, identity: HasIdentity, rebuild: bool = False) -> None:
        """Record the model of a new library; with `rebuild`, forget everything made by another."""
        have = self.model()
        if have is not None and (rebuild or not have.matches(identity)):
            if not rebuild:
                self.check_model(identity, doing="add vectors")
            self._clear()
        with self.session() as s, s.begin():
            meta = self._meta(s)
            meta.model_name, meta.model_version, meta.dim = identity.name, identity.version, identity.dim

    def _clear(self) -> None:
        with self.session() as s, s.begin():
            s.execute(delete(Segment))
            s.execute(delete(File))
        self._store = None
        self.index_path.unlink(missing_ok=True)

    def generation(self) -> int:
        with self.session() as s:
            meta = s.get(Meta, 1)
            return meta.generation if meta else 0

    def begin_generation(self) -> int:
        """Mark the saved index stale before writing; `save_store` makes it current again."""
        with self.session() as s, s.begin():
            meta = self._meta(s)
            meta.generation += 1
            return meta.generation

    @property
    def dim(self) -> int:
        model = self.model()
        if model is None:
            raise UsageError(
                f"the library at {self.location} holds no vectors yet: run `clap-search index DIR`"
            )
        return model.dim

    @property
    def store(self) -> VectorStore:
        """The FAISS index, loaded if it matches the DB generation, else rebuilt from the DB."""
        if self._store is None:
            generation = self.generation()
            self._store = VectorStore.load(self.index_path, generation, self.dim)
            if self._store is None:
                self._store = self._rebuild_store()
                self._save_if_free(generation)
            self._loaded_mark = self._change_mark()
        return self._store

    def _rebuild_store(self) -> VectorStore:
        dim = self.dim
        with self.session() as s:
            total = s.scalar(select(func.count(Segment.id))) or 0
            store = VectorStore(dim, index_kind(total))
            rows = s.execute(select(Segment.id, Segment.vector).execution_options(yield_per=REBUILD_BATCH))
            for chunk in rows.partitions():
                ids = np.array([r[0] for r in chunk], dtype=np.int64)
                store.add(ids, blob_to_vectors([r[1] for r in chunk], dim))
        return store

    def _save_if_free(self, generation: int) -> None:
        try:
            with self.writing():
                if self.generation() == generation:
                    self._write_store(generation)
        except LibraryLockedError:
            pass  # a writer is busy; it will save a current index when it is done

    def save_store(self) -> None:
        """Write the index for the current generation (call while holding the writer lock)."""
        if self._store is None:
            return
        if self._store.needs_rebuild or len(self._store) != self.segment_count():
            # the count guard: an index that disagrees with the DB is never saved as current
            self._store = self._rebuild_store()
        self._write_store(self.generation())

    def segment_count(self) -> int:
        with self.session() as s:
            return s.scalar(select(func.count(Segment.id))) or 0

    def rebuild_index(self) -> None:
        """Rebuild the FAISS index from the database and save it as current (takes the lock)."""
        with self.writing():
            self._store = self._rebuild_store()
            self._write_store(self.generation())
            self._loaded_mark = self._change_mark()

    def _write_store(self, generation: int) -> None:
        assert self._store is not None
        self._store.save(self.index_path, generation)
        with self.session() as s, s.begin():
            self._meta(s).index_type = self._store.kind

    def forget(self, paths: Sequence[str | Path]) -> int:
        """Remove files, or every file under folders, from the library; returns how many."""
        cond = or_(*[under(path_key(p)) for p in paths])
        with self.writing():
            with self.session() as s:
                n_files = s.scalar(select(func.count(File.id)).where(cond)) or 0
            if not n_files:
                return 0
            store = self.store if self.model() else None
            self.begin_generation()
            with self.session() as s, s.begin():
                seg_ids = s.scalars(select(Segment.id).join(File).where(cond)).all()
                s.execute(delete(File).where(cond))
                s.execute(delete(Root).where(or_(*[_root_under(path_key(p)) for p in paths])))
            if store is not None:
                store.remove(seg_ids)
                self.save_store()
        return n_files

    def add_root(self, path: str | Path) -> None:
        """Remember a folder given to `index` (audio is served only from inside the roots)."""
        key = path_key(path)
        with self.session() as s, s.begin():
            if s.scalar(select(Root.id).where(Root.path == key)) is None:
                s.add(Root(path=key))

    def roots(self) -> list[str]:
        """The indexed folders; a library from before roots were recorded uses its files' folders."""
        with self.session() as s:
            roots = list(s.scalars(select(Root.path)).all())
            if not roots:
                paths = s.scalars(select(File.path).where(File.status == STATUS_OK)).all()
                roots = sorted({os.path.dirname(p) for p in paths})
        return roots

    def refresh(self) -> None:
        """Drop the cached index when another process has changed the library since it was loaded."""
        if self._store is not None and self._change_mark() != self._loaded_mark:
            self._store = None

    def _change_mark(self) -> tuple[int, int]:
        try:
            mtime = self.index_path.stat().st_mtime_ns
        except OSError:
            mtime = 0
        return self.generation(), mtime

    def stats(self, max_failures: int = 1000) -> LibraryStats:
        with self.session() as s:
            ok = s.scalar(select(func.count(File.id)).where(File.status == STATUS_OK)) or 0
            failed = s.scalar(select(func.count(File.id)).where(File.status == STATUS_FAILED)) or 0
            seconds = s.scalar(select(func.sum(File.duration)).where(File.status == STATUS_OK)) or 0.0
            segments = s.scalar(select(func.count(Segment.id))) or 0
            failures = s.execute(
                select(File.path, File.error)
                .where(File.status == STATUS_FAILED)
                .order_by(File.path)
                .limit(max_failures)
            ).all()
            meta = s.get(Meta, 1)
        db_bytes, index_bytes = self.sizes()
        return LibraryStats(
            root=self.location,
            files=ok,
            failed=failed,
            segments=segments,
            audio_seconds=float(seconds),
            model=self.model(),
            index_type=meta.index_type if meta else "flat",
            db_bytes=db_bytes,
            index_bytes=index_bytes,
            failures=[(p, e or "") for p, e in failures],
        )


    def sizes(self) -> tuple[int, int]:
        """Bytes on disk of the database and of the vector index."""
        db_bytes = sum(_size(self.root / (DB_NAME + suffix)) for suffix in ("", "-wal", "-shm"))
        return db_bytes, _size(self.index_path)


def _root_under(key: str):  # noqa: ANN202 - a SQL condition
    return or_(Root.path == key, Root.path.startswith(key.rstrip("/") + "/", autoescape=True))


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
