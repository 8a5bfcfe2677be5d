"""A library in PostgreSQL: the same tables, the vectors in pgvector columns searched by HNSW.

`--library postgresql://user@host/db` opens one. The database holds everything a folder library
keeps in files: the window vectors (and the files' word vectors) live in `vector(dim)` columns with
an HNSW index (inner product, the vectors are unit length), so there is no FAISS cache to save,
reload or check, and a filtered search is one SQL statement joining `files`. Writers take no
global lock: each file is its own transaction, serialised per path by an advisory lock, so several
indexers (on different folders, or machines) and any number of searchers work at once.

Files a library still needs locally (the adapted text head, `serve`'s preview transcodes) go to a
per-user cache folder named after the URL.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import platformdirs
from sqlalchemy import (
    BigInteger,
    Engine,
    Float,
    any_,
    bindparam,
    create_engine,
    delete,
    func,
    inspect,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError
from sqlalchemy.orm import InstrumentedAttribute, Session

from clap_search.db import PATH_FORMAT, Base, File, FileWords, Meta, Segment, VectorBlob
from clap_search.errors import LibraryConnectionError, LibraryNotFoundError, UsageError
from clap_search.library import ENV_VAR, INDEX_NAME, HasIdentity, Library, LibraryModel

if TYPE_CHECKING:
    from clap_search.filters import Filters

# pgvector's HNSW: m=16 and ef_construction=64 are its defaults; ef_search 200 gives recall@10
# 1.000 on clustered vectors at 100k and 0.871 on isotropic ones, HNSW's worst case (40: 0.466,
# 400: 0.956; scripts/bench_pgvector.py). Its HNSW returns at most ef_search rows (before
# pgvector 0.8's iterative scans), and ef_search stops at 1000.
HNSW_M = 16
HNSW_EF_CONSTRUCTION = 64
EF_SEARCH = 200
MAX_EF_SEARCH = 1000
# A filter this small is searched exactly (the filter's own indexes find the rows); larger ones
# walk the HNSW graph with pgvector >= 0.8's iterative scan, or exactly on older pgvector.
EXACT_FILTER_LIMIT = 20_000
CONNECT_TIMEOUT_S = 5
COUNT_TTL_S = 1.0
SCHEMA_LOCK = 0x636C6170  # advisory lock: two first runs must not both create the tables
# (table, its id column, its vector column, index name) of every searchable vector column
VECTOR_COLUMNS = [
    (Segment.__table__.name, "id", "segments_vector_hnsw"),
    (FileWords.__table__.name, "file_id", "file_words_vector_hnsw"),
]
WORD_SEARCH_INDEX = (
    "CREATE INDEX IF NOT EXISTS file_words_fts ON file_words USING gin (to_tsvector('english', text))"
)


def engine_url(location: str) -> URL:
    """The SQLAlchemy URL for a library URL, always through psycopg 3."""
    try:
        url = make_url(location)
    except ArgumentError:
        raise UsageError(f"not a database URL: {location!r} (e.g. postgresql://user@host/db)") from None
    if not url.database:
        raise UsageError(f"the library URL names no database: {shown(url)} (e.g. postgresql://user@host/db)")
    return url.set(drivername="postgresql+psycopg")


def shown(url: URL | str) -> str:
    """A URL to print: the password hidden, the driver as the user wrote it."""
    url = make_url(url) if isinstance(url, str) else url
    return url.set(drivername="postgresql").render_as_string(hide_password=True)


def connect(location: str) -> Engine:
    """An engine on the library's database, or one `error:` line saying why not."""
    url = engine_url(location)
    try:
        import psycopg  # noqa: F401 - only to say what to install
    except ImportError:
        raise LibraryConnectionError(
            "a PostgreSQL library needs the psycopg driver: pip install 'clap-search[postgres]'"
        ) from None
    engine = create_engine(url, connect_args={"connect_timeout": CONNECT_TIMEOUT_S}, pool_pre_ping=True)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except (OperationalError, DBAPIError) as exc:
        engine.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise LibraryConnectionError(f"cannot open the library database {shown(url)}: {reason}") from None
    return engine


def create_schema(engine: Engine, location: str) -> None:
    """pgvector, the tables, the word search index and the meta row (idempotent, one at a time)."""
    with engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": SCHEMA_LOCK})
        try:
            with conn.begin_nested():
                conn.execute(text("CREATE EXTENSION IF NOT EXISTS vector"))
        except DBAPIError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise LibraryConnectionError(
                f"the database {shown(location)} lacks the pgvector extension ({reason}): install "
                "pgvector on the server (Debian: postgresql-15-pgvector) and, as a superuser, "
                "run CREATE EXTENSION vector in that database"
            ) from None
        Base.metadata.create_all(conn)
        conn.execute(text(WORD_SEARCH_INDEX))
        conn.execute(
            text("INSERT INTO meta (id, index_type, generation, path_format) "
                 "VALUES (1, 'hnsw', 0, :f) ON CONFLICT (id) DO NOTHING"),
            {"f": PATH_FORMAT},
        )


def set_vector_dim(session: Session, dim: int) -> None:
    """Give the vector columns their dimension and HNSW index (a new model: rows are gone by now)."""
    for table, _, index in VECTOR_COLUMNS:
        have = session.execute(
            text("SELECT atttypmod FROM pg_attribute WHERE attrelid = CAST(:t AS regclass) "
                 "AND attname = 'vector'"), {"t": table}
        ).scalar()
        if have == dim:
            continue
        session.execute(text(f"DROP INDEX IF EXISTS {index}"))
        session.execute(text(f"ALTER TABLE {table} ALTER COLUMN vector TYPE vector({int(dim)})"))
        session.execute(text(hnsw_index_sql(table, index)))


def hnsw_index_sql(
    table: str, index: str, m: int = HNSW_M, ef_construction: int = HNSW_EF_CONSTRUCTION
) -> str:
    return (f"CREATE INDEX IF NOT EXISTS {index} ON {table} USING hnsw (vector vector_ip_ops) "
            f"WITH (m = {int(m)}, ef_construction = {int(ef_construction)})")


@dataclass(frozen=True)
class SegmentFilter:
    """A filtered search's restriction, kept as SQL: the filters and how many segments pass them."""

    filters: Filters
    count: int

    def __len__(self) -> int:
        return self.count


class PgVectorIndex:
    """The VectorStore interface over a vector column: pgvector answers, nothing is held here.

    `add` and `remove` only forget the cached count: the rows the writer commits are the index."""

    kind = "hnsw"
    hidden: frozenset[int] = frozenset()
    needs_rebuild = False

    def __init__(
        self, engine: Engine, ids: InstrumentedAttribute, vectors: InstrumentedAttribute, dim: int,
        iterative: bool = False,
    ) -> None:
        self.engine = engine
        self.id_col, self.vec_col = ids, vectors
        self.dim = dim
        self.ef_search = EF_SEARCH
        self.iterative = iterative  # pgvector >= 0.8: filtered HNSW scans go on until k rows pass
        self._count: tuple[float, int] | None = None

    def __len__(self) -> int:
        """The row count, reused for COUNT_TTL_S: a query asks twice (6 ms each at 100k rows), and
        it only bounds how far a search fetches; a file committed meanwhile shows a moment later."""
        now = time.monotonic()
        if self._count is None or now - self._count[0] > COUNT_TTL_S:
            with Session(self.engine) as s:
                self._count = (now, s.scalar(select(func.count()).where(self.vec_col.is_not(None))) or 0)
        return self._count[1]

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        self._count = None  # the writer committed rows: count again

    def remove(self, ids: object) -> None:
        self._count = None

    def ids(self) -> np.ndarray:
        with Session(self.engine) as s:
            rows = s.scalars(select(self.id_col).where(self.vec_col.is_not(None)).order_by(self.id_col))
            return np.array(rows.all(), dtype=np.int64)

    def reconstruct(self, ids: np.ndarray) -> np.ndarray:
        if not len(ids):
            return np.zeros((0, self.dim), np.float32)
        wanted = [int(i) for i in ids]
        with Session(self.engine) as s:
            stmt = select(self.id_col, self.vec_col).where(self.id_col == any_(_id_array(wanted)))
            rows = dict(s.execute(stmt).all())
        return np.stack([np.frombuffer(rows[i], "<f4") for i in wanted]).astype(np.float32)

    def search(
        self, queries: np.ndarray, k: int, allowed: np.ndarray | SegmentFilter | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (scores, ids) per query row, best first; -1 ids pad missing results."""
        q = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        scores = np.full((len(q), k), -np.inf, np.float32)
        ids = np.full((len(q), k), -1, np.int64)
        exact = k > MAX_EF_SEARCH or isinstance(allowed, np.ndarray) or (
            isinstance(allowed, SegmentFilter) and (len(allowed) <= EXACT_FILTER_LIMIT or not self.iterative)
        )
        if isinstance(allowed, np.ndarray) and not len(allowed):
            return scores, ids
        with self._settings(k, exact) as conn:
            for row, vector in enumerate(q):
                found = conn.execute(self._statement(vector, k, allowed)).all()
                for col, (sid, distance) in enumerate(found):
                    ids[row, col], scores[row, col] = sid, -distance  # <#> is the negative inner product
        return scores, ids

    @contextmanager
    def _settings(self, k: int, exact: bool) -> Iterator[Any]:
        with self.engine.begin() as conn:
            conn.execute(text(f"SET LOCAL hnsw.ef_search = {min(max(self.ef_search, k), MAX_EF_SEARCH)}"))
            if exact:  # the HNSW index returns at most ef_search rows and ignores the filter
                conn.execute(text("SET LOCAL enable_indexscan = off"))
            elif self.iterative:
                conn.execute(text("SET LOCAL hnsw.iterative_scan = strict_order"))
            yield conn

    def _statement(self, vector: np.ndarray, k: int, allowed: np.ndarray | SegmentFilter | None) -> Any:
        query = bindparam("q", vector.tobytes(), type_=VectorBlob())
        distance = self.vec_col.op("<#>", return_type=Float)(query)
        stmt = select(self.id_col, distance).where(self.vec_col.is_not(None))
        if isinstance(allowed, np.ndarray):
            stmt = stmt.where(self.id_col == any_(_id_array(allowed.tolist())))
        elif isinstance(allowed, SegmentFilter):
            from clap_search.filters import conditions

            stmt = stmt.join(File, File.id == Segment.file_id).where(*conditions(allowed.filters))
        return stmt.order_by(distance).limit(k)


def _id_array(ids: Sequence[int]) -> Any:
    return bindparam("ids", [int(i) for i in ids], type_=ARRAY(BigInteger))


def state_folder(engine: Engine, location: str) -> Path:
    """Where a database library keeps its few local files (adapted head, previews): named after
    the URL and the meta table's oid, so a library made again in the same database starts clean."""
    with engine.connect() as conn:
        oid = conn.execute(text("SELECT CAST(CAST('meta' AS regclass) AS oid)")).scalar()
    digest = hashlib.sha256(f"{shown(engine_url(location))} {oid}".encode()).hexdigest()[:16]
    return Path(platformdirs.user_cache_dir("clap-search", appauthor=False)) / "postgres" / digest


class PostgresLibrary(Library):
    """A library in a PostgreSQL database (see the module docstring)."""

    commit_every_files = 1  # one transaction per file: other writers and searchers see it at once
    separate_index = False

    def __init__(self, location: str, engine: Engine) -> None:
        self.url = location
        self.engine = engine
        self.root = state_folder(engine, location)
        self.db_path = self.root / "unused"
        self.index_path = self.root / INDEX_NAME  # never written: kept so base methods stay harmless
        self._store = None
        self._loaded_mark = None
        self._lock_fd = None
        self._pgvector: tuple[int, ...] | None = None

    @classmethod
    def open_url(cls, location: str, create: bool = False) -> PostgresLibrary:
        engine = connect(location)
        if not inspect(engine).has_table(Meta.__tablename__):
            if not create:
                engine.dispose()
                raise LibraryNotFoundError(
                    f"no library in {shown(location)} yet: build one with "
                    f"`clap-search index DIR --library {shown(location)}` (or point --library or "
                    f"${ENV_VAR} at an existing library)"
                )
            create_schema(engine, location)
        lib = cls(location, engine)
        lib.root.mkdir(parents=True, exist_ok=True)
        return lib

    @property
    def location(self) -> str:
        return shown(engine_url(self.url))

    @contextmanager
    def writing(self) -> Iterator[None]:
        """No global lock: rows are locked as they are written (see lock_path)."""
        yield

    @contextmanager
    def bulk_load(self) -> Iterator[None]:
        """Build the HNSW indexes once after a large load: inserting into them row by row is slower."""
        with self.session() as s, s.begin():
            for _, _, index in VECTOR_COLUMNS:
                s.execute(text(f"DROP INDEX IF EXISTS {index}"))
        try:
            yield
        finally:
            with self.session() as s, s.begin():
                s.execute(text("SET LOCAL maintenance_work_mem = '1GB'"))
                for table, _, index in VECTOR_COLUMNS:
                    s.execute(text(hnsw_index_sql(table, index)))

    def lock_path(self, session: Session, key: str) -> None:
        """Two indexers reaching the same file take turns; the second sees the first's row."""
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": key})

    def claim_model(self, identity: HasIdentity, rebuild: bool = False) -> None:
        """As the folder library's, under a row lock: two first indexers cannot record two models."""
        with self.session() as s, s.begin():
            meta = s.scalars(select(Meta).where(Meta.id == 1).with_for_update()).one()
            if meta.model_name is not None:
                have = LibraryModel(meta.model_name, meta.model_version or "", meta.dim or 0)
                if not have.matches(identity) and not rebuild:
                    raise self.mismatch(have, identity, "add vectors")
                if rebuild or not have.matches(identity):
                    s.execute(delete(Segment))
                    s.execute(delete(File))
            set_vector_dim(s, identity.dim)
            meta.model_name, meta.model_version, meta.dim = identity.name, identity.version, identity.dim
            meta.index_type = "hnsw (pgvector)"
        self._store = None

    def pgvector_version(self) -> tuple[int, ...]:
        if self._pgvector is None:
            with self.session() as s:
                sql = text("SELECT extversion FROM pg_extension WHERE extname = 'vector'")
                version = s.scalar(sql) or "0"
            self._pgvector = tuple(int(p) for p in version.split(".") if p.isdigit())
        return self._pgvector

    @property
    def store(self) -> PgVectorIndex:  # type: ignore[override]
        dim = self.dim
        if self._store is None or self._store.dim != dim:
            self._store = PgVectorIndex(  # type: ignore[assignment]
                self.engine, Segment.id, Segment.vector, dim, iterative=self.pgvector_version() >= (0, 8)
            )
        return self._store  # type: ignore[return-value]

    def word_index(self) -> PgVectorIndex:
        return PgVectorIndex(self.engine, FileWords.file_id, FileWords.vector, self.dim)

    def restrict(self, session: Session, filters: Filters | None) -> SegmentFilter | None:  # type: ignore[override]
        from clap_search.filters import conditions

        if filters is None or filters.empty:
            return None
        count = session.scalar(select(func.count(Segment.id)).join(File).where(*conditions(filters))) or 0
        return SegmentFilter(filters, count)

    def save_store(self) -> None:
        pass  # the index is the table

    def rebuild_index(self) -> None:
        pass

    def refresh(self) -> None:
        """Before each of serve's requests: another process may have written since."""
        if self._store is not None:
            self._store._count = None  # type: ignore[attr-defined]

    def sizes(self) -> tuple[int, int]:
        """Bytes of the tables (with their other indexes) and of the HNSW indexes."""
        tables = [t.name for t in Base.metadata.sorted_tables]
        with self.session() as s:
            total = s.scalar(
                text("SELECT coalesce(sum(pg_total_relation_size(CAST(t AS regclass))), 0) "
                     "FROM unnest(CAST(:t AS text[])) t"),
                {"t": tables},
            ) or 0
            hnsw = s.scalar(
                text("SELECT coalesce(sum(pg_relation_size(CAST(i AS regclass))), 0) "
                     "FROM unnest(CAST(:i AS text[])) i WHERE to_regclass(i) IS NOT NULL"),
                {"i": [index for _, _, index in VECTOR_COLUMNS]},
            ) or 0
        return int(total) - int(hnsw), int(hnsw)
