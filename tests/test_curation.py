"""tag, duplicates, export and the query filters, through the real CLI entry point."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import soxr
from sqlalchemy import text

from clap_search.library import Library
from tests.conftest import tone, write_sound


def lines(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines()]


@pytest.fixture
def built(cli, sounds, tmp_path):
    write_sound(sounds / "sub" / "f0.flac", seconds=2.5, freq=900, seed=10)
    write_sound(sounds / "other" / "s0.wav", seconds=4.5, freq=333, seed=12)  # same name as sounds/s0.wav
    lib = tmp_path / "lib"
    code, _, err = cli("index", sounds, "--library", lib, "--model", "tiny")
    assert code == 0, err
    return lib


def test_tag_stores_tags_and_filters_queries(cli, built):
    code, out, _ = cli(
        "tag",
        "--labels",
        "interior,exterior,animal",
        "--top",
        "1",
        "--threshold",
        "0",
        "--library",
        built,
        "--json",
    )
    rows = lines(out)
    assert code == 0 and len(rows) == 7 and all(len(r["tags"]) == 1 for r in rows)
    assert all(set(r["scores"]) == {"interior", "exterior", "animal"} for r in rows)
    by_label: dict[str, set[str]] = {}
    for r in rows:
        by_label.setdefault(r["tags"][0]["label"], set()).add(r["path"])
    label, paths = max(by_label.items(), key=lambda kv: len(kv[1]))
    code, out, _ = cli("query", "door", "--tag", label, "-k", "50", "--library", built, "--json")
    hits = lines(out)
    assert code == 0 and {h["path"] for h in hits} == paths  # every tagged file, and only those
    assert all(h["tags"][0]["label"] == label for h in hits)
    # re-tagging with the same labels replaces, never piles up
    cli("tag", "--labels", "interior,exterior,animal", "--top", "2", "--threshold", "0", "--library", built)
    with Library.open(built).session() as s:
        assert s.execute(text("select count(*) from tags")).scalar() == 14


def test_tag_needs_labels(cli, built):
    code, out, err = cli("tag", "--labels", "solo", "--library", built)
    assert code == 2 and out == "" and err.startswith("error: give at least two labels")


def test_query_filters_return_k(cli, built, sounds):
    def paths(*args):
        code, out, err = cli("query", "rain", *args, "--library", built, "--json")
        assert code == 0, err
        return [h["path"] for h in lines(out)]

    assert paths("--ext", "flac") == [str(sounds / "sub" / "f0.flac")]
    assert len(paths("--ext", "wav,flac", "-k", "7")) == 7
    assert len(paths("--min-duration", "3", "--max-duration", "5", "-k", "3")) == 3
    assert set(paths("--folder", str(sounds / "other"))) == {str(sounds / "other" / "s0.wav")}
    code, out, err = cli(
        "similar", sounds / "s1.wav", "--ext", "wav", "-k", "5", "--library", built, "--json"
    )
    assert code == 0 and len(lines(out)) == 5 and all(h["path"].endswith(".wav") for h in lines(out))
    code, _, err = cli("query", "rain", "--min-duration", "5", "--max-duration", "1", "--library", built)
    assert code == 2 and "--min-duration is larger" in err


def test_duplicates_across_formats_and_rates(cli, tmp_path):
    folder = tmp_path / "dups"
    folder.mkdir()
    sig = tone(3.0, 523.0, 22050, noise=0.05, seed=7)
    pcm = (sig * 32767).astype(np.int16)
    sf.write(folder / "take.wav", pcm, 22050)
    sf.write(folder / "take_copy.flac", pcm, 22050)  # lossless: the same decoded audio
    sf.write(folder / "take.mp3", soxr.resample(sig, 22050, 44100), 44100)  # lossy, another rate
    sf.write(folder / "take_16k.wav", soxr.resample(sig, 22050, 16000), 16000)
    for i, freq in enumerate((200, 350, 800, 1500)):  # different sounds of the same length
        write_sound(folder / f"other{i}.wav", seconds=3.0, freq=freq, seed=i)
    lib = tmp_path / "lib"
    assert cli("index", folder, "--library", lib, "--model", "tiny")[0] == 0
    code, out, _ = cli("duplicates", "--library", lib, "--json")
    groups = lines(out)
    names = {g["kind"]: {Path(f["path"]).name for f in g["files"]} for g in groups}
    assert code == 0 and len(groups) == 2
    assert names["exact"] == {"take.wav", "take_copy.flac"}
    assert names["near"] == {"take.wav", "take_copy.flac", "take.mp3", "take_16k.wav"}
    assert next(g for g in groups if g["kind"] == "near")["threshold"] == 0.95
    code, out, err = cli("duplicates", "--library", lib)
    assert code == 0 and "take.mp3" in out and "cosine >= 0.95" in err


def test_export_copy_link_and_reports(cli, built, tmp_path, sounds):
    dest = tmp_path / "out"
    report = tmp_path / "hits.csv"
    code, out, err = cli(
        "export", "rain", "--to", dest, "--copy", "--csv", report, "-k", "7", "--library", built
    )
    assert code == 0, err
    files = sorted(p.name for p in dest.iterdir())
    assert len(files) == 7 and "s0.wav" in files and "s0-2.wav" in files  # name collision handled
    rows = list(csv.DictReader(report.open()))
    assert [r["rank"] for r in rows] == [str(i) for i in range(1, 8)]
    assert {"path", "score", "start", "end", "tags", "exported_to"} <= rows[0].keys()
    assert all(Path(r["exported_to"]).read_bytes() == Path(r["path"]).read_bytes() for r in rows)
    cli("export", "rain", "--to", dest, "-k", "7", "--library", built)
    assert len(list(dest.iterdir())) == 7  # running it again adds nothing
    links = tmp_path / "links"
    code, _, _ = cli(
        "export",
        "rain",
        "--to",
        links,
        "--link",
        "--json-out",
        tmp_path / "r.json",
        "-k",
        "3",
        "--library",
        built,
    )
    assert code == 0 and all(p.is_symlink() and p.resolve().is_file() for p in links.iterdir())
    report_json = json.loads((tmp_path / "r.json").read_text())
    assert len(report_json) == 3 and report_json[0]["rank"] == 1
    code, _, err = cli("export", "rain", "--library", built)
    assert code == 2 and err.startswith("error: nothing to do")


def test_old_library_gets_new_columns(built):
    lib = Library.open(built)
    with lib.engine.begin() as conn:
        conn.execute(text("DROP INDEX ix_files_audio_hash"))
        conn.execute(text("ALTER TABLE files DROP COLUMN audio_hash"))
        conn.execute(text("ALTER TABLE files DROP COLUMN fingerprint"))
    lib.close()
    lib = Library.open(built)
    with lib.session() as s:
        assert s.execute(text("select count(audio_hash) from files")).scalar() == 0
    lib.close()
