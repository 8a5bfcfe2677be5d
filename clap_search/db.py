"""The library database: files, their window segments (with vectors), tags and the model row."""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Engine,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    TypeDecorator,
    create_engine,
    event,
    inspect,
    or_,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship
from sqlalchemy.types import UserDefinedType

STATUS_OK = "ok"
STATUS_FAILED = "failed"
# Format 2 (path_key): `\` doubled, non-UTF-8 bytes as `\xNN`. Format 1 wrote the escapes but not
# the doubled backslash, so a file literally named `a\xe9.wav` and one with the byte 0xe9 shared a
# row. Rows without a backslash read the same in both formats.
PATH_FORMAT = 2


class PgVector(UserDefinedType):
    """pgvector's `vector` column, in its text form (`[0.1,0.2]`): no client library needed."""

    cache_ok = True

    def get_col_spec(self, **kw: object) -> str:
        return "vector"  # the dimension is set when a model claims the library (postgres.py)

    def bind_processor(self, dialect):  # noqa: ANN001, ANN201 - SQLAlchemy's hook
        def process(value: np.ndarray | None) -> str | None:
            if value is None:
                return None
            # float32 -> double -> shortest repr: pgvector's strtof reads back the same float32
            return "[" + ",".join(map(str, np.asarray(value, np.float64).ravel().tolist())) + "]"

        return process

    def result_processor(self, dialect, coltype):  # noqa: ANN001, ANN201 - SQLAlchemy's hook
        def process(value: str | None) -> np.ndarray | None:
            return None if value is None else np.array(value[1:-1].split(","), np.float64).astype("<f4")

        return process


class VectorBlob(TypeDecorator):
    """A float32 vector as little-endian bytes: a BLOB in SQLite, a pgvector `vector` in PostgreSQL.

    Python code sees bytes on both (vector_to_blob / blob_to_vectors); PostgreSQL can search it."""

    impl = LargeBinary
    cache_ok = True

    def load_dialect_impl(self, dialect):  # noqa: ANN001, ANN201 - SQLAlchemy's hook
        return dialect.type_descriptor(PgVector() if dialect.name == "postgresql" else LargeBinary())

    def process_bind_param(self, value, dialect):  # noqa: ANN001, ANN201
        if value is None or dialect.name != "postgresql":
            return value
        return np.frombuffer(value, "<f4") if isinstance(value, bytes | bytearray | memoryview) else value

    def process_result_value(self, value, dialect):  # noqa: ANN001, ANN201
        if value is None or dialect.name != "postgresql":
            return value
        return np.asarray(value, "<f4").tobytes()


# Ids: SQLite's INTEGER (64-bit, and what AUTOINCREMENT needs), PostgreSQL's BIGINT (its INTEGER
# is 32-bit: the server's id bounds and a billion-segment library need 64).
Id = BigInteger().with_variant(Integer, "sqlite")


class Base(DeclarativeBase):
    pass


class File(Base):
    """One audio file under an indexed folder, indexed or recorded as failed with its reason."""

    __tablename__ = "files"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    path: Mapped[str] = mapped_column(unique=True)
    size: Mapped[int]
    mtime: Mapped[float]
    content_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    # Hash of the decoded samples (mono, model rate, int16): equal for a WAV and its FLAC copy.
    audio_hash: Mapped[str | None] = mapped_column(String(64), index=True, default=None)
    # audio.audio_fingerprint as float32 bytes: tells a re-encoded copy from a different sound.
    fingerprint: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    duration: Mapped[float | None]
    sample_rate: Mapped[int | None]
    channels: Mapped[int | None]
    format: Mapped[str | None]
    status: Mapped[str] = mapped_column(String(16), default=STATUS_OK)
    error: Mapped[str | None]
    indexed_at: Mapped[float]

    segments: Mapped[list[Segment]] = relationship(
        back_populates="file", cascade="all, delete-orphan", passive_deletes=True
    )


class Segment(Base):
    """One fixed window of a file; its id is the FAISS id and `vector` is the source of truth."""

    __tablename__ = "segments"
    # AUTOINCREMENT: a deleted segment's id is never handed out again, so a stale FAISS id
    # can never point at a different window.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    file_id: Mapped[int] = mapped_column(Id, ForeignKey("files.id", ondelete="CASCADE"), index=True)
    start: Mapped[float]
    end: Mapped[float]
    vector: Mapped[bytes] = mapped_column(VectorBlob)

    file: Mapped[File] = relationship(back_populates="segments")


class Tag(Base):
    """A label a tagger attached to a file with its score (filled by the auto-tagger)."""

    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    file_id: Mapped[int] = mapped_column(Id, ForeignKey("files.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(index=True)
    score: Mapped[float]


class Root(Base):
    """A folder (or file) given to `index`: audio is served only from inside these."""

    __tablename__ = "roots"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    path: Mapped[str] = mapped_column(unique=True)


class FileWords(Base):
    """What a file says about itself (tags, path, UCS name) and the vectors the hybrid ranker uses.

    `source` is the file row's `indexed_at` when the words were read: a re-embedded or moved file
    gets a new one, so its words are read again. `error` says why metadata was left out.
    """

    __tablename__ = "file_words"

    file_id: Mapped[int] = mapped_column(Id, ForeignKey("files.id", ondelete="CASCADE"), primary_key=True)
    source: Mapped[float]
    fields: Mapped[str] = mapped_column(default="{}")  # JSON: title, description, keywords, ucs, ...
    text: Mapped[str] = mapped_column(default="")  # every word, for FTS5 (words_fts mirrors it)
    sentence: Mapped[str] = mapped_column(default="")  # what the text tower reads (and adapt learns)
    useful: Mapped[bool] = mapped_column(default=False)  # words beyond take numbers and recorder names
    error: Mapped[str | None] = mapped_column(default=None)
    vector: Mapped[bytes | None] = mapped_column(VectorBlob, default=None)  # text tower on the words
    audio_mean: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)  # mean window vector


class VocabularyWord(Base):
    """A distinct word of the library's files through the text tower: query expansion
    (words/vocabulary.py) finds the words meaning what a query says ("plane" for "airplane").
    `head` names the model and text head that made `vector`; adapting re-embeds them."""

    __tablename__ = "vocabulary"

    word: Mapped[str] = mapped_column(primary_key=True)
    head: Mapped[str]
    vector: Mapped[bytes] = mapped_column(LargeBinary)


class Neighbor(Base):
    """An edge of the file-level audio kNN graph: `weight` in (0, 1] from the audio similarity."""

    __tablename__ = "neighbors"

    file_id: Mapped[int] = mapped_column(Id, ForeignKey("files.id", ondelete="CASCADE"), primary_key=True)
    neighbor_id: Mapped[int] = mapped_column(
        ForeignKey("files.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    weight: Mapped[float]


class Meta(Base):
    """The single row saying which model made the vectors and which index generation is current."""

    __tablename__ = "meta"

    id: Mapped[int] = mapped_column(Id, primary_key=True, default=1)
    model_name: Mapped[str | None]
    model_version: Mapped[str | None]
    dim: Mapped[int | None]
    index_type: Mapped[str] = mapped_column(default="flat")
    generation: Mapped[int] = mapped_column(default=0)
    # How `files.path` and `roots.path` are written (see path_key); older libraries are migrated.
    path_format: Mapped[int | None] = mapped_column(default=PATH_FORMAT)


def open_engine(path: Path) -> Engine:
    """An engine on the SQLite file with foreign keys on and WAL so readers never block."""
    engine = create_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001 - DB-API connection
        # pysqlite's own transaction handling breaks SAVEPOINT; SQLAlchemy emits BEGIN instead.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn) -> None:  # noqa: ANN001
        conn.exec_driver_sql("BEGIN")

    Base.metadata.create_all(engine)
    _add_missing_columns(engine)
    _create_word_search(engine)
    return engine


# Columns added after the first release: (table, column, SQL type). create_all adds tables only.
ADDED_COLUMNS = [
    ("files", "audio_hash", "VARCHAR(64)"),
    ("files", "fingerprint", "BLOB"),
    ("meta", "path_format", "INTEGER"),
]


def _add_missing_columns(engine: Engine) -> None:
    """Bring a library made by an older version up to date (new columns start empty)."""
    inspector = inspect(engine)
    for table, column, sql_type in ADDED_COLUMNS:
        if column not in {c["name"] for c in inspector.get_columns(table)}:
            with engine.begin() as conn:  # one transaction: a crash leaves the old library whole
                conn.execute(text(f"ALTER TABLE {table} ADD COLUMN {column} {sql_type}"))
                if column.endswith("_hash"):
                    index = f"CREATE INDEX IF NOT EXISTS ix_{table}_{column} ON {table} ({column})"
                    conn.execute(text(index))
                if column == "path_format":
                    _migrate_paths(conn)


# FTS5 over file_words.text (external content, kept in step by triggers; a cascade from files
# fires them too). porter: "barking" finds "bark"; unicode61 folds case and accents.
WORD_SEARCH_SQL = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS words_fts USING fts5(text, content='file_words', "
    "content_rowid='file_id', tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS file_words_ai AFTER INSERT ON file_words BEGIN "
    "INSERT INTO words_fts(rowid, text) VALUES (new.file_id, new.text); END",
    "CREATE TRIGGER IF NOT EXISTS file_words_ad AFTER DELETE ON file_words BEGIN "
    "INSERT INTO words_fts(words_fts, rowid, text) VALUES ('delete', old.file_id, old.text); END",
    "CREATE TRIGGER IF NOT EXISTS file_words_au AFTER UPDATE OF text ON file_words BEGIN "
    "INSERT INTO words_fts(words_fts, rowid, text) VALUES ('delete', old.file_id, old.text); "
    "INSERT INTO words_fts(rowid, text) VALUES (new.file_id, new.text); END",
]


def _create_word_search(engine: Engine) -> None:
    with engine.begin() as conn:
        for sql in WORD_SEARCH_SQL:
            conn.execute(text(sql))


_ESCAPED = re.compile(rb"\\(\\|x[0-9a-f]{2})")


def _migrate_paths(conn) -> None:  # noqa: ANN001 - a SQLAlchemy connection
    """Rewrite format-1 paths that hold a backslash: keep the row when exactly one reading of it
    exists on disk, else drop it (the next `index` adds the file again) and mark the index stale."""
    dropped = False
    for table in ("files", "roots"):
        rows = conn.execute(text(f"SELECT id, path FROM {table} WHERE instr(path, '\\') > 0")).all()
        for row_id, old in rows:
            readings = {os.fsencode(old), re.sub(rb"\\x([0-9a-f]{2})", lambda m: bytes([int(m[1], 16)]),
                                                 os.fsencode(old))}
            real = [r for r in readings if os.path.lexists(r)]
            if len(real) == 1:
                conn.execute(text(f"UPDATE {table} SET path = :p WHERE id = :i"),
                             {"p": path_key(os.fsdecode(real[0])), "i": row_id})
            else:
                conn.execute(text(f"DELETE FROM {table} WHERE id = :i"), {"i": row_id})
                dropped = dropped or table == "files"
    if dropped:
        conn.execute(text("DELETE FROM segments WHERE file_id NOT IN (SELECT id FROM files)"))
        conn.execute(text("UPDATE meta SET generation = generation + 1"))
    conn.execute(text("UPDATE meta SET path_format = :f"), {"f": PATH_FORMAT})


def path_key(path: str | os.PathLike[str] | bytes) -> str:
    """The absolute path as stored text, losslessly: a backslash is doubled and a byte that is
    not UTF-8 becomes `\\xNN`, so two different names never share a key (see disk_path)."""
    raw = os.fsencode(os.path.abspath(os.fsdecode(path)))
    return raw.replace(b"\\", b"\\\\").decode("utf-8", "backslashreplace")


def disk_path(key: str) -> str:
    """The real path a stored key names (undoes path_key); odd bytes come back surrogate-escaped."""
    if "\\" not in key:
        return key
    raw = _ESCAPED.sub(lambda m: b"\\" if m[1] == b"\\" else bytes([int(m[1][1:], 16)]), key.encode())
    return os.fsdecode(raw)


def under(key: str) -> ColumnElement[bool]:
    """Files whose path is `key`, or lies inside `key` when it is a folder."""
    return or_(File.path == key, File.path.startswith(key.rstrip("/") + "/", autoescape=True))


def vector_to_blob(vector: np.ndarray) -> bytes:
    return np.ascontiguousarray(vector, dtype="<f4").tobytes()


def blob_to_vectors(blobs: list[bytes], dim: int) -> np.ndarray:
    if not blobs:
        return np.zeros((0, dim), np.float32)
    return np.frombuffer(b"".join(blobs), dtype="<f4").reshape(len(blobs), dim).astype(np.float32)


def driver_rows(session: Session, sql: str, params: dict[str, object] | None = None) -> list[tuple]:
    """Rows straight from the DB-API cursor (the dialect's own parameter style): for the hot
    lookups of a query, where SQLAlchemy's row handling cost more than the lookup itself."""
    cursor = session.connection().connection.cursor()
    try:
        cursor.execute(sql, params or {})
        return list(cursor.fetchall())
    finally:
        cursor.close()
