"""The PostgreSQL library through the console script: errors as one line, copy both ways, two indexers.

The engine's own tests (index, incremental, remove, filters, crash, hybrid, server) already run on
PostgreSQL through the `library` fixture; these are what only a server library has.
"""

from __future__ import annotations

import subprocess

import numpy as np
from sqlalchemy import create_engine, select, text

from clap_search.db import Segment, blob_to_vectors
from clap_search.indexer.pipeline import index_folder
from clap_search.library import Library
from clap_search.postgres import engine_url
from tests.conftest import write_sound
from tests.test_cli_usage import clap_search


def _vectors(lib: Library) -> dict[int, np.ndarray]:
    with lib.session() as s:
        rows = s.execute(select(Segment.id, Segment.vector)).all()
    return {sid: blob_to_vectors([blob], lib.dim)[0] for sid, blob in rows}


def test_bad_urls_and_servers_are_one_error_line(postgres_url):
    cases = [
        ("postgresql://", "names no database"),
        ("postgresql://nobody@127.0.0.1:1/db", "cannot open the library database postgresql://nobody@127.0.0.1:1"),
        (postgres_url.rsplit("/", 1)[0] + "/missing", 'database "missing" does not exist'),
        (postgres_url, "no library in"),
    ]
    for url, message in cases:
        run = clap_search("status", "--library", url)
        assert run.returncode != 0 and "Traceback" not in run.stderr, run.stderr
        lines = run.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], run.stderr


def test_password_is_never_shown(postgres_url):
    url = postgres_url.replace("postgres@", "postgres:s3cret@")
    run = clap_search("status", "--library", url)
    assert "s3cret" not in run.stderr and "***" in run.stderr


def test_a_database_without_pgvector_says_how_to_get_it(postgres_url, sounds):
    admin = create_engine(engine_url(postgres_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS plain_db"))
        conn.execute(text("DROP ROLE IF EXISTS plain"))
        conn.execute(text("CREATE ROLE plain LOGIN"))
        conn.execute(text("CREATE DATABASE plain_db OWNER plain"))
    admin.dispose()
    url = postgres_url.replace("postgres@", "plain@").rsplit("/", 1)[0] + "/plain_db"
    run = clap_search("index", sounds, "--model", "tiny", "--library", url)
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert "lacks the pgvector extension" in run.stderr and "CREATE EXTENSION vector" in run.stderr


def test_index_query_status_through_the_console_script(postgres_url, sounds):
    env = {"CLAP_SEARCH_LIBRARY": postgres_url}
    first = clap_search("index", sounds, "--model", "tiny", "--json", env=env)
    assert first.returncode == 0, first.stderr
    assert '"added": 5' in first.stdout
    again = clap_search("index", sounds, env=env)
    assert "nothing changed" in again.stdout and postgres_url in again.stdout
    hits = clap_search("query", "a tone", "-k", "3", "--min-duration", "4", "--json", env=env)
    assert hits.returncode == 0, hits.stderr
    assert len(hits.stdout.strip().splitlines()) == 3  # s2, s3, s4 are the files of 4 s and more
    status = clap_search("status", "--check", env=env)
    assert "hnsw (pgvector)" in status.stdout and "agree (" in status.stdout


def test_copy_folder_to_postgres_and_back_keeps_every_vector(tmp_path, postgres_url, sounds, embedder):
    folder = Library.open(tmp_path / "folder", create=True)
    index_folder(folder, sounds, embedder)
    before = _vectors(folder)
    folder.close()
    there = clap_search("library", "copy", tmp_path / "folder", postgres_url)
    assert there.returncode == 0 and "copied 5 files" in there.stdout, there.stderr
    back = clap_search("library", "copy", postgres_url, tmp_path / "back")
    assert back.returncode == 0, back.stderr
    for where in (postgres_url, tmp_path / "back"):
        lib = Library.open(where)
        after = _vectors(lib)
        assert after.keys() == before.keys()
        assert all(np.array_equal(after[i], before[i]) for i in before)
        hits = lib.store.search(before[min(before)], 1)[1]
        assert hits[0, 0] == min(before)  # its own window is its nearest neighbour
        lib.close()
    refused = clap_search("library", "copy", tmp_path / "folder", postgres_url)
    assert refused.returncode == 2 and "already holds 5 files" in refused.stderr
    # a new file indexed into the copy gets a fresh id, not one of the copied ones
    write_sound(sounds / "new.wav", seconds=2.0, freq=999, seed=7)
    lib = Library.open(postgres_url)
    assert index_folder(lib, sounds, embedder).added == 1
    assert len(_vectors(lib)) > len(before)
    lib.close()


def test_two_indexers_at_once(tmp_path, postgres_url, embedder):
    """Two processes index two folders into one database at the same time: no lock error, no loss."""
    folders = []
    for n in range(2):
        folder = tmp_path / f"f{n}"
        for i in range(6):
            write_sound(folder / f"s{i}.wav", seconds=2 + i % 3, freq=200 + 90 * i + 40 * n, seed=10 * n + i)
        folders.append(folder)
    Library.open(postgres_url, create=True).close()
    from tests.test_cli_usage import SCRIPT

    runs = [subprocess.Popen([SCRIPT, "index", f, "--model", "tiny", "--library", postgres_url],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for f in folders]
    for run in runs:
        out, err = run.communicate(timeout=300)
        assert run.returncode == 0, err
    lib = Library.open(postgres_url)
    assert lib.stats().files == 12
    assert len(lib.store) == lib.segment_count()
    lib.close()


def test_filtered_search_is_one_statement(postgres_url, sounds, embedder):
    """A filter goes into the vector search's SQL: k hits that all pass it."""
    from clap_search.filters import Filters
    from clap_search.postgres import SegmentFilter
    from clap_search.query import search_vectors

    library = Library.open(postgres_url, create=True)
    index_folder(library, sounds, embedder)
    with library.session() as s:
        assert isinstance(library.restrict(s, Filters.build(min_duration=4.5)), SegmentFilter)
    query = embedder.embed_texts(["a tone"])
    hits = search_vectors(library, query, k=2, filters=Filters.build(min_duration=4.5))
    assert len(hits) == 2 and all(h.duration >= 4.5 for h in hits)
    library.close()
