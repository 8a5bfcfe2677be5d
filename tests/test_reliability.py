"""Issue 13 item 10: lossless paths, index/DB agreement, every audio file accounted for, bounded work."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import faiss
import numpy as np
import pytest
import soundfile as sf
from fastapi.testclient import TestClient
from sqlalchemy import select

from clap_search import export
from clap_search.audio import NEEDS_FFMPEG, load_audio
from clap_search.consistency import check_index
from clap_search.db import STATUS_OK, File, disk_path, path_key
from clap_search.errors import AudioReadError
from clap_search.filters import Filters
from clap_search.indexer import decode
from clap_search.indexer.embed import embed_one
from clap_search.indexer.pipeline import index_folder
from clap_search.indexer.scan import Candidate
from clap_search.indexer.write import Writer
from clap_search.library import Library
from clap_search.query import search_text
from clap_search.server.app import create_app
from clap_search.server.engine import Engine
from clap_search.server.media import MediaFiles
from tests.conftest import tone, write_sound
from tests.hostile import build_hostile_tree, lying_wav

CLI = str(Path(sys.executable).with_name("clap-search"))
NON_UTF8 = os.fsdecode(b"clash_\xe9.wav")
LOOKALIKE = "clash_\\xe9.wav"  # the escaped text, literally


def rows(lib: Library) -> dict[bytes, tuple[str, str | None]]:
    """Real on-disk path (bytes) -> (status, error) of every row."""
    with lib.session() as s:
        found = s.execute(select(File.path, File.status, File.error)).all()
    return {os.fsencode(disk_path(p)): (st, e) for p, st, e in found}


def db_and_index_agree(lib: Library) -> None:
    fresh = Library(lib.root)
    try:
        found = check_index(fresh, repair=False)
        assert found.ok, found.to_json()
    finally:
        fresh.close()


@pytest.fixture
def clash(tmp_path):
    root = tmp_path / "clash"
    write_sound(root / NON_UTF8, seconds=2.0, freq=300, seed=1)
    write_sound(root / LOOKALIKE, seconds=3.0, freq=2000, seed=2)
    return root


# 1. lossless paths ------------------------------------------------------------------------------

def test_path_keys_round_trip_and_never_collide():
    names = [b"/a/clash_\xe9.wav", b"/a/clash_\\xe9.wav", b"/a/b\\\\c\\", b"/a/\xc3\xa9t\xe9\xff"]
    keys = [path_key(n) for n in names]
    assert len(set(keys)) == len(names)
    assert [os.fsencode(disk_path(k)) for k in keys] == names
    assert path_key("/plain/caf\u00e9.wav") == "/plain/caf\u00e9.wav"  # ordinary paths read as typed


def test_non_utf8_name_and_its_lookalike_are_two_stable_rows(clash, library, embedder):
    first = index_folder(library, clash, embedder)
    assert (first.added, first.updated, first.failed) == (2, 0, 0)
    found = rows(library)
    assert set(found) == {os.fsencode(clash / NON_UTF8), os.fsencode(clash / LOOKALIKE)}
    again = index_folder(library, clash, embedder)
    assert (again.added, again.updated, again.unchanged, again.removed) == (0, 0, 2, 0)
    db_and_index_agree(library)
    # every consumer goes back to the real file
    hits = search_text(library, embedder, "a sound", k=5)
    assert sorted(os.fsencode(disk_path(h.path)) for h in hits) == sorted(found)
    assert all(os.path.isfile(disk_path(h.path)) for h in hits)
    placed = export.place_files([{"path": h.path} for h in hits], clash.parent / "out", export.COPY)
    assert len({r["exported_to"] for r in placed}) == 2
    assert all(os.path.isfile(disk_path(r["exported_to"])) for r in placed)
    assert library.forget([clash / NON_UTF8]) == 1
    assert set(rows(library)) == {os.fsencode(clash / LOOKALIKE)}


def test_folder_filter_with_an_odd_folder_name(tmp_path, library, embedder):
    odd = tmp_path / os.fsdecode(b"dir\xe9")
    write_sound(odd / "a.wav")
    write_sound(tmp_path / "dir\\xe9" / "b.wav", freq=900)
    index_folder(library, tmp_path, embedder)
    hits = search_text(library, embedder, "tone", k=5, filters=Filters(under=str(odd)))
    assert [os.fsencode(disk_path(h.path)) for h in hits] == [os.fsencode(odd / "a.wav")]


def test_non_utf8_file_plays_from_the_server(clash, library, embedder):
    index_folder(library, clash, embedder)
    with library.session() as s:
        file_id = s.scalar(select(File.id).where(File.path == path_key(clash / NON_UTF8)))
        folder = os.path.dirname(s.scalar(select(File.path).where(File.id == file_id)))
    app = create_app(engine=Engine(library, embedder, MediaFiles(library), 1_000_000))
    with TestClient(app) as client:
        r = client.get(f"/audio/{file_id}")
        assert r.status_code == 200
        assert r.content == (clash / NON_UTF8).read_bytes()
        assert client.get(f"/api/waveform/{file_id}").status_code == 200
        hits = client.get("/api/search", params={"q": "tone", "folder": folder}).json()["results"]
        assert len(hits) == 2


def test_old_path_format_is_migrated(clash, tmp_path, embedder):
    """A library from before format 2: the escaped row is re-keyed when exactly one file fits it."""
    root = tmp_path / "old"
    write_sound(root / NON_UTF8)
    lib = Library.open(tmp_path / "lib", create=True)
    index_folder(lib, root, embedder)
    lib.close()
    con = sqlite3.connect(tmp_path / "lib" / "library.sqlite")
    old_key = os.fsencode(root / NON_UTF8).decode("utf-8", "backslashreplace")  # format 1
    con.execute("UPDATE files SET path = ?", (old_key,))
    con.execute("ALTER TABLE meta DROP COLUMN path_format")
    con.commit()
    con.close()
    lib = Library.open(tmp_path / "lib")
    try:
        assert set(rows(lib)) == {os.fsencode(root / NON_UTF8)}
        again = index_folder(lib, root, embedder)
        assert (again.unchanged, again.added) == (1, 0)
    finally:
        lib.close()


# 2. FAISS and the database agree ---------------------------------------------------------------

def test_a_file_written_twice_in_one_batch_leaves_no_stale_ids(sounds, library, embedder):
    index_folder(library, sounds, embedder)
    path = sounds / "s0.wav"
    candidate = Candidate(str(path), path_key(path), path.stat().st_size, path.stat().st_mtime + 1)
    with library.writing():
        library.begin_generation()
        writer = Writer(library)
        for _ in range(2):  # the old flip-flop: two candidates with one key in one batch
            writer.write(embed_one(embedder, decode.decode_one(candidate, embedder.sample_rate)))
        writer.close()
        assert len(library.store) == library.segment_count()
        library.save_store()
    db_and_index_agree(library)


def _corrupt_index(lib: Library, extra: bool) -> None:
    """Rewrite vectors.faiss at the current generation with one id too many or one missing."""
    index = faiss.read_index(str(lib.index_path))
    if extra:
        index.add_with_ids(np.ones((1, index.d), np.float32), np.array([10**9], np.int64))
    else:
        index.remove_ids(np.array([int(faiss.vector_to_array(index.id_map)[0])], np.int64))
    faiss.write_index(index, str(lib.index_path))


@pytest.mark.parametrize("extra", [True, False])
def test_status_check_finds_and_repairs_a_corrupted_index(sounds, tmp_path, embedder, extra):
    lib = Library.open(tmp_path / "lib", create=True)
    index_folder(lib, sounds, embedder)
    segments = lib.segment_count()
    lib.close()
    _corrupt_index(Library(tmp_path / "lib"), extra)
    cmd = [CLI, "status", "--library", str(tmp_path / "lib"), "--check", "--json"]
    first = json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)["check"]
    assert not first["ok"] and first["repaired"]
    assert (first["extra"], first["missing"]) == ((1, 0) if extra else (0, 1))
    assert first["extra_ids"] == ([10**9] if extra else [])
    second = json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)["check"]
    assert second["ok"] and second["index_segments"] == segments
    text = subprocess.run(cmd[:-1], capture_output=True, text=True, check=True).stdout
    assert "check: index and database agree" in text
    (tmp_path / "lib" / "vectors.faiss").write_bytes(os.urandom(500))  # garbage
    text = subprocess.run(cmd[:-1], capture_output=True, text=True, check=True).stdout
    assert "unreadable" in text and "rebuilt the index from the database" in text
    assert json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)["check"]["ok"]


# 3.-6. every audio file gets a row; long paths; lying headers; capped work ----------------------

def test_formats_that_need_a_missing_ffmpeg_are_recorded(tmp_path, library, embedder, monkeypatch):
    root = tmp_path / "needs"
    root.mkdir()
    for ext in ("m4a", "aac", "wma"):
        (root / f"random.{ext}").write_bytes(os.urandom(2048))
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))  # ffmpeg hidden
    summary = index_folder(library, root, embedder)
    assert summary.failed == 3
    assert {e for _, e in rows(library).values()} == {NEEDS_FFMPEG}


def test_a_path_over_1024_bytes_decodes(tmp_path, library, embedder):
    deep = tmp_path
    for i in range(6):
        deep = deep / (f"{i}" * 200)
    deep.mkdir(parents=True)
    path = deep / "deep.wav"
    with open(path, "wb") as f:  # libsndfile itself cannot open a path this long
        sf.write(f, tone(3.0, 440.0), 22050, format="WAV")
    assert len(os.fsencode(path)) > 1024
    wave, info = load_audio(path, 22050)
    assert info.sample_rate == 22050 and len(wave) == 3 * 22050
    summary = index_folder(library, tmp_path, embedder)
    assert (summary.added, summary.failed) == (1, 0)


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs ffmpeg")
def test_ffmpeg_formats_decode_from_a_long_path(tmp_path):
    """ffmpeg reads the file through a descriptor we opened: any path the OS opens works."""
    deep = tmp_path
    for i in range(6):
        deep = deep / (f"{i}" * 200)
    deep.mkdir(parents=True)
    made = tmp_path / "tone.m4a"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=2",
                    "-c:a", "aac", str(made)], check=True)
    path = deep / "tone.m4a"
    os.rename(made, path)
    wave, info = load_audio(path, 22050)
    assert abs(len(wave) / 22050 - 2.0) < 0.1 and info.format == "M4A"
    broken = deep / "broken.m4a"
    broken.write_bytes(os.urandom(3000))
    with pytest.raises(AudioReadError) as err:
        load_audio(broken, 22050)
    assert "/dev/fd" not in str(err.value)


@pytest.mark.parametrize("rate", [1, 999, 800_000])
def test_a_header_cannot_claim_an_absurd_sample_rate(tmp_path, library, embedder, rate):
    (tmp_path / "w").mkdir()
    (tmp_path / "w" / "liar.wav").write_bytes(lying_wav(rate, 8000))
    summary = index_folder(library, tmp_path / "w", embedder)
    assert summary.failed == 1
    assert f"implausible sample rate in the header ({rate} Hz)" in summary.failures[0][1]


def test_work_per_file_is_capped(tmp_path, library, embedder):
    write_sound(tmp_path / "w" / "long.wav", seconds=6.0)
    summary = index_folder(library, tmp_path / "w", embedder, max_seconds=5.0)
    assert summary.failed == 1 and "limit per file" in summary.failures[0][1]
    mp3 = write_sound(tmp_path / "m" / "long.mp3", seconds=6.0)
    with pytest.raises(Exception, match="limit per file"):
        load_audio(mp3, 22050, max_seconds=5.0)  # caught while decoding when the header has no length


# 5. ids at the server boundary -----------------------------------------------------------------

def test_ids_past_int64_are_refused_not_500(sounds, library, embedder):
    index_folder(library, sounds, embedder)
    app = create_app(engine=Engine(library, embedder, MediaFiles(library), 1_000_000))
    huge = 2**70
    with TestClient(app, raise_server_exceptions=False) as client:
        for route in ("/audio/{}", "/api/files/{}", "/api/waveform/{}", "/api/similar?file_id={}",
                      "/api/search?q=x&sample_rate={}"):
            for bad in (huge, 2**63, 0, -1):
                r = client.get(route.format(bad))
                assert r.status_code in (404, 422), (route, bad, r.status_code)
        for route in ("/audio/{}", "/api/files/{}", "/api/waveform/{}", "/api/similar?file_id={}"):
            assert client.get(route.format(2**63 - 1)).status_code == 404


# 8. uploads, dot names, symlinks ------------------------------------------------------------------

def test_upload_errors_do_not_reveal_the_temp_folder(sounds, library, embedder):
    index_folder(library, sounds, embedder)
    app = create_app(engine=Engine(library, embedder, MediaFiles(library), 1_000_000))
    with TestClient(app) as client:
        for name in ("x.wav", "x.mp3", "x.m4a", "noext"):
            r = client.post("/api/similar", files={"file": (name, os.urandom(3000))})
            assert r.status_code in (400, 422), r.text
            assert "/tmp" not in r.text and "clap-search-upload" not in r.text and "/dev/fd" not in r.text


def test_dot_leading_names_are_audio(tmp_path, library, embedder):
    for name in ("..wav", ".wav", "...flac"):
        write_sound(tmp_path / "d" / name, format="WAV" if name.endswith("wav") else "FLAC")
    summary = index_folder(library, tmp_path / "d", embedder)
    assert (summary.added, summary.failed) == (3, 0)


def test_symlinks_are_followed_only_inside_the_root(tmp_path, library, embedder):
    outside = tmp_path / "outside"
    write_sound(outside / "secret.wav")
    root = tmp_path / "root"
    write_sound(root / "sub" / "inner.wav")
    os.symlink(outside, root / "folder_out")
    os.symlink(outside / "secret.wav", root / "file_out.wav")
    os.symlink(root / "sub", root / "folder_in")
    os.symlink(root / "sub" / "inner.wav", root / "file_in.wav")
    summary = index_folder(library, root, embedder)
    found = rows(library)
    assert found[os.fsencode(root / "file_out.wav")][0] == "failed"
    assert "outside the indexed folder" in found[os.fsencode(root / "file_out.wav")][1]
    assert not any(b"secret" in p for p in found)
    assert any("folder_out" in w and "outside" in w for w in summary.warnings)
    assert found[os.fsencode(root / "file_in.wav")][0] == STATUS_OK
    assert found[os.fsencode(root / "sub" / "inner.wav")][0] == STATUS_OK
    assert not any(b"folder_in" in p for p in found)  # its target is indexed once, as itself
    # the server plays every indexed file: what is indexed is exactly what may be streamed
    app = create_app(engine=Engine(library, embedder, MediaFiles(library), 1_000_000))
    with library.session() as s:
        ok_ids = s.scalars(select(File.id).where(File.status == STATUS_OK)).all()
    with TestClient(app) as client:
        assert all(client.get(f"/audio/{i}").status_code == 200 for i in ok_ids)
    assert index_folder(library, root, embedder).unchanged == len(found)


# 9. the hostile tree ----------------------------------------------------------------------------

def _check_hostile(tmp_path, library, embedder, **kw):
    root = tmp_path / "hostile"
    audio = build_hostile_tree(root, **kw)
    summary = index_folder(library, root, embedder)
    found = rows(library)
    missing = {os.fsencode(p) for p in audio} - set(found)
    assert not missing, missing
    assert all(e for st, e in found.values() if st != STATUS_OK)
    for name in (b"lying_1hz.wav", b"lying_2ghz.wav", b"random.m4a", b"fifo.wav", b"loop_a.wav"):
        assert any(p.endswith(name) and st == "failed" for p, (st, _) in found.items()), name
    assert found[os.fsencode(root / NON_UTF8)][0] == STATUS_OK
    assert found[os.fsencode(root / LOOKALIKE)][0] == STATUS_OK
    assert found[os.fsencode(root / "long" / "field.wav")][0] == STATUS_OK
    db_and_index_agree(library)
    again = index_folder(library, root, embedder)
    assert (again.added, again.updated, again.removed, again.failed) == (0, 0, 0, 0)
    assert again.unchanged == len(found)
    db_and_index_agree(library)
    return summary


def test_hostile_tree(tmp_path, library, embedder):
    _check_hostile(tmp_path, library, embedder)


@pytest.mark.slow
def test_hostile_tree_full_size(tmp_path, library, embedder):
    _check_hostile(tmp_path, library, embedder, copies=40, long_seconds=7200.0)


def test_odd_names_through_the_console_script(clash, tmp_path):
    """query --json shows the lossless form; remove takes the real path typed in a shell."""
    lib = str(tmp_path / "cli-lib")

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([CLI, *args, "--library", lib], capture_output=True, check=False)

    assert run("index", str(clash), "--model", "tiny").returncode == 0
    again = run("index", str(clash), "--model", "tiny", "--json")
    assert json.loads(again.stdout)["unchanged"] == 2
    out = run("query", "tone", "-k", "5", "--json", "--model", "tiny")
    paths = {json.loads(line)["path"] for line in out.stdout.decode().splitlines()}
    assert paths == {path_key(clash / NON_UTF8), path_key(clash / LOOKALIKE)}
    gone = subprocess.run([os.fsencode(CLI), b"remove", os.fsencode(clash / NON_UTF8), b"--library",
                           os.fsencode(lib)], capture_output=True, check=False)
    assert gone.returncode == 0, gone.stderr
    status = json.loads(run("status", "--json").stdout)
    assert status["files"] == 1
