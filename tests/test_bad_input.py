"""Every bad input the issue lists is indexed or recorded as failed with a reason; the run goes on."""

from __future__ import annotations

import builtins
import os

import pytest
from sqlalchemy import select

from clap_search.db import File, path_key
from clap_search.indexer.pipeline import index_folder
from clap_search.indexer.scan import scan
from tests.conftest import write_sound


def failures(library) -> dict[str, str]:
    with library.session() as s:
        return {p: e for p, e in s.execute(select(File.path, File.error).where(File.status == "failed"))}


@pytest.fixture
def messy(tmp_path):
    root = tmp_path / "messy"
    write_sound(root / "good.wav")
    (root / "zero.wav").write_bytes(b"")
    (root / "text.wav").write_text("this is not audio\n" * 20)
    corrupt = write_sound(root / "corrupt.flac").read_bytes()
    (root / "corrupt.flac").write_bytes(corrupt[:200] + bytes(range(256)) * 8)
    os.symlink(root / "gone.wav", root / "broken_link.wav")
    os.symlink(root / "loop_b.wav", root / "loop_a.wav")
    os.symlink(root / "loop_a.wav", root / "loop_b.wav")
    (root / "sub").mkdir()
    os.symlink(root, root / "sub" / "back_to_top")  # a folder loop
    os.symlink(root / "good.wav", root / "sub" / "link_to_good.wav")
    write_sound(root / "notes.txt", format="WAV")  # audio, but not an audio extension: ignored
    return root


def test_messy_folder(messy, library, embedder):
    summary = index_folder(library, messy, embedder)
    assert summary.added == 2  # good.wav and the symlink to it
    assert summary.failed == 6
    reasons = failures(library)
    assert "empty file" in reasons[str(messy / "zero.wav")]
    assert "broken symlink" in reasons[str(messy / "broken_link.wav")]
    assert reasons[str(messy / "loop_a.wav")] == "symlink loop"
    assert reasons[str(messy / "text.wav")] and reasons[str(messy / "corrupt.flac")]
    again = index_folder(library, messy, embedder)
    assert (again.unchanged, again.failed) == (8, 0)  # still-broken files are not retried


def test_non_utf8_and_very_long_names(tmp_path, library, embedder):
    root = tmp_path / "names"
    root.mkdir()
    odd = os.fsdecode(b"caf\xe9_latin1.wav")
    write_sound(root / odd)
    long_name = "x" * 240 + ".wav"
    write_sound(root / long_name)
    summary = index_folder(library, root, embedder)
    assert (summary.added, summary.failed) == (2, 0)
    with library.session() as s:
        paths = set(s.scalars(select(File.path)))
    assert path_key(root / odd).endswith("caf\\xe9_latin1.wav") and path_key(root / odd) in paths
    assert index_folder(library, root, embedder).unchanged == 2


def test_unreadable_file_is_recorded(tmp_path, library, embedder, monkeypatch):
    # Tests run as root, where chmod 000 does not stop reads: simulate EACCES on open instead.
    root = tmp_path / "perm"
    write_sound(root / "ok.wav")
    locked = write_sound(root / "locked.wav")
    real_open = builtins.open

    def guarded(file, *a, **kw):
        if os.fspath(file) == str(locked):
            raise PermissionError(13, "Permission denied", str(locked))
        return real_open(file, *a, **kw)

    monkeypatch.setattr(builtins, "open", guarded)
    summary = index_folder(library, root, embedder)
    assert (summary.added, summary.failed) == (1, 1)
    assert failures(library)[str(locked)] == "Permission denied"


def test_unlistable_folder_is_a_warning(tmp_path, monkeypatch):
    root = tmp_path / "tree"
    write_sound(root / "a.wav")
    write_sound(root / "closed" / "b.wav")
    real = os.scandir

    def scandir(path):
        if os.fspath(path).endswith("closed"):
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    warnings: list[str] = []
    found = [c.path for c in scan(root, warn=warnings.append)]
    assert found == [str(root / "a.wav")] and "cannot list folder" in warnings[0]


def test_long_file(tmp_path, library, embedder):
    """Four minutes stands in for hours: the embedder works in fixed chunks, so only time grows."""
    path = write_sound(tmp_path / "long" / "field.flac", seconds=240.0)
    summary = index_folder(library, path.parent, embedder)
    assert summary.added == 1 and summary.audio_seconds == pytest.approx(240.0)
    stats = library.stats()
    assert stats.segments > 90  # 5 s windows every 2.5 s
