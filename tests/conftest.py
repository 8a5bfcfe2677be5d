"""Shared fixtures: the tiny seeded model, generated sound folders, a fresh library, a CLI runner."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from clap_search.embed import Embedder
from clap_search.library import Library

SR = 22050


def tone(seconds: float, freq: float, sr: int = SR, noise: float = 0.0, seed: int = 0) -> np.ndarray:
    t = np.arange(int(seconds * sr)) / sr
    wave = 0.3 * np.sin(2 * np.pi * freq * t)
    if noise:
        wave += noise * np.random.default_rng(seed).standard_normal(len(t))
    return wave.astype(np.float32)


def write_sound(path: Path, seconds: float = 3.0, freq: float = 440.0, seed: int = 0, **kw) -> Path:
    """A short tone with a little noise; opus needs 48 kHz in an OGG container."""
    path.parent.mkdir(parents=True, exist_ok=True)
    sr = 48000 if path.suffix == ".opus" else SR
    if path.suffix == ".opus":
        kw = {"format": "OGG", "subtype": "OPUS", **kw}
    sf.write(os.fsencode(path), tone(seconds, freq, sr, noise=0.05, seed=seed), sr, **kw)
    return path


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return Embedder.load("tiny")


@pytest.fixture(scope="session")
def default_embedder() -> Embedder:
    """The shipped model, for the tests about what it hears and reads."""
    return Embedder.load("default")


@pytest.fixture
def sounds(tmp_path: Path) -> Path:
    """Five distinct WAVs of 2-7 s."""
    folder = tmp_path / "sounds"
    for i in range(5):
        write_sound(folder / f"s{i}.wav", seconds=2 + i, freq=200 + 150 * i, seed=i)
    return folder


# The engine's tests run against every backend: the `library` fixture takes `backend` as a
# parameter. A test about the folder library's own files (the FAISS cache, the writer lock) is
# marked folder_only and runs on the folder library alone.
BACKENDS = ("folder", "postgres")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        only = metafunc.definition.get_closest_marker("folder_only")
        metafunc.parametrize("backend", ["folder"] if only else list(BACKENDS))


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The URL of a PostgreSQL + pgvector database for the tests (a throw-away cluster), or skip."""
    from tests.pgcluster import ENV_URL, find_server, start_cluster

    if os.environ.get(ENV_URL):
        yield os.environ[ENV_URL]
        return
    # .ci/run sets this: there a missing server is a failure, not a skip
    give_up = pytest.fail if os.environ.get("CLAP_SEARCH_REQUIRE_POSTGRES") else pytest.skip
    bindir = find_server()
    if bindir is None:
        give_up("no PostgreSQL server with pgvector here: install the Debian packages postgresql and "
                    f"postgresql-15-pgvector, or pip install pgserver, or set {ENV_URL} to a database URL")
    try:
        cluster = start_cluster(bindir)
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        give_up(f"cannot start a throw-away PostgreSQL from {bindir}: {exc}")
    yield cluster.url
    cluster.stop()


@pytest.fixture
def postgres_url(postgres_server: str) -> str:
    """The test database, emptied: no table of a previous test's library is left."""
    from sqlalchemy import create_engine, text

    from clap_search.db import Base
    from clap_search.postgres import engine_url

    engine = create_engine(engine_url(postgres_server))
    with engine.begin() as conn:
        conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
        tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
        conn.execute(text(f"DROP TABLE IF EXISTS {tables} CASCADE"))
    engine.dispose()
    return postgres_server


@pytest.fixture
def library(tmp_path: Path, backend: str, request: pytest.FixtureRequest) -> Library:
    """A new, empty library: a folder, or a PostgreSQL database (see BACKENDS)."""
    where = request.getfixturevalue("postgres_url") if backend == "postgres" else tmp_path / "lib"
    lib = Library.open(where, create=True)
    yield lib
    lib.close()


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., tuple[int, str, str]]:
    """Run the real entry point (where errors become exit codes): returns (code, stdout, stderr)."""
    from clap_search.cli.main import main

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture(scope="module")
def model_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A per-user model store of the test module's own (`CLAP_SEARCH_MODELS`), for imported models."""
    folder = tmp_path_factory.mktemp("models")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CLAP_SEARCH_MODELS", str(folder))
        yield folder
