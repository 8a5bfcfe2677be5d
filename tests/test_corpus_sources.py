# ruff: noqa: E501  (fixture paths and catalogue sentences read better on one line)
"""The corpus builder's archive readers, captions, windows, dedupe and source-held-out splits, on tiny
synthetic archives and a synthetic decode state (no Debian package needed)."""

from __future__ import annotations

import gzip
import io
import json
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import soxr

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from corpus import audio as A  # noqa: E402
from corpus.c4group import C4GroupError, build_group, read_c4group, read_group, scramble  # noqa: E402
from corpus.captions import caption_for  # noqa: E402
from corpus.manifest import manifest_stage, write_outputs  # noqa: E402
from corpus.opensfx_cat import CatError, build_cat, read_cat, read_cat_bytes  # noqa: E402
from corpus.sources import iter_sources, opensfx_meta  # noqa: E402
from corpus.splits import caption_label, role  # noqa: E402


def wav_bytes(seconds=0.5, freq=440.0, sr=22050, seed=0) -> bytes:
    t = np.arange(int(seconds * sr)) / sr
    rng = np.random.default_rng(seed)
    y = 0.3 * np.sin(2 * np.pi * freq * t) + 0.01 * rng.standard_normal(len(t))
    buf = io.BytesIO()
    sf.write(buf, y.astype(np.float32), sr, format="WAV", subtype="PCM_16")
    return buf.getvalue()


# ---------------------------------------------------------------- c4group (openclonk)
def test_c4group_scramble_is_its_own_inverse_and_hides_the_header():
    head = bytes(range(204))
    assert scramble(scramble(head)) == head
    # XOR 0xED, then bytes 0 and 2 of each 3-byte group swapped
    assert scramble(b"\x00\x01\x02")[0] == 0x02 ^ 0xED and scramble(b"\x00\x01\x02")[2] == 0x00 ^ 0xED


def test_c4group_reads_nested_groups_from_a_gzip_with_the_clonk_magic(tmp_path):
    cow, rain = wav_bytes(freq=300), wav_bytes(freq=900, seed=1)
    data = build_group({"Animals.ocg": {"Cow.ogg": cow, "Notes.txt": b"hi"}, "Rain.wav": rain})
    assert data[:2] == b"\x1e\x8c"  # not plain gzip: gzip.decompress refuses it as is
    with pytest.raises(gzip.BadGzipFile):
        gzip.decompress(data)
    raw = gzip.decompress(b"\x1f\x8b" + data[2:])
    assert b"RedWolf Design" not in raw[:204]  # the header is scrambled on disk
    f = tmp_path / "Sound.ocg"
    f.write_bytes(data)
    items = dict(read_c4group(str(f)))
    assert set(items) == {"Animals.ocg/Cow.ogg", "Animals.ocg/Notes.txt", "Rain.wav"}
    assert items["Animals.ocg/Cow.ogg"] == cow and items["Rain.wav"] == rain


def test_c4group_rejects_other_files_and_truncation():
    with pytest.raises(C4GroupError):
        list(read_group(b"PK\x03\x04" + b"\0" * 300))
    data = gzip.decompress(b"\x1f\x8b" + build_group({"a.wav": wav_bytes()})[2:])
    with pytest.raises(C4GroupError):
        list(read_group(data[:-100]))


# ---------------------------------------------------------------- opensfx.cat (openttd)
COW = '"Cow". Original "Cow - Moan 2 - 96kHz.wav" by "Jarred Gib". Edited by "Wuzzy". License: Creative Commons Zero 1.0.'
WIND = '"Wind". Original "wind1.wav" by "Anton". Edited by Janis Lukss. License: Creative Commons Attribution 3.0 Unported.'


def test_cat_reads_descriptions_and_wavs_and_skips_empty_entries(tmp_path):
    cow, wind = wav_bytes(freq=200), wav_bytes(freq=700, seed=2)
    data = build_cat([(COW, cow), ('"Unused/Nothing". Trivial empty sound file.', b"\0\0\0\0"), (WIND, wind)])
    assert data[3] & 0x80  # OpenTTD sets bit 31 of the offsets
    f = tmp_path / "opensfx.cat"
    f.write_bytes(data)
    items = read_cat(str(f))
    assert [(i, d) for i, d, _ in items] == [(0, COW), (2, WIND)]
    assert items[0][2] == cow and items[1][2] == wind
    with pytest.raises(CatError):
        read_cat_bytes(b"\x07\0\0\0\0\0\0\0")


def test_opensfx_meta_keeps_title_credit_and_licence():
    m = opensfx_meta(COW)
    assert m == {"title": "Cow", "author": 'Original "Cow - Moan 2 - 96kHz.wav" by "Jarred Gib". Edited by "Wuzzy"',
                 "licence": "CC0-1.0"}
    assert opensfx_meta(WIND)["licence"] == "CC-BY-3.0"
    assert opensfx_meta('"Cash till". By Janis Lukss. License: Creative Commons Attribution 3.0 Unported.')[
        "author"] == "Janis Lukss"


# ---------------------------------------------------------------- every format through iter_sources
def test_iter_sources_lists_members_of_every_archive_format(tmp_path, capsys):
    (tmp_path / "opensfx.cat").write_bytes(build_cat([(COW, wav_bytes())]))
    (tmp_path / "Sound.ocg").write_bytes(build_group({"Environment.ocg": {"WindLoop.ogg": wav_bytes()}}))
    with zipfile.ZipFile(tmp_path / "0snd.pk3", "w") as z:
        z.writestr("sound/footsteps/snow1.ogg", wav_bytes())
        z.writestr("readme.txt", "x")
    (tmp_path / "bark.wav").write_bytes(wav_bytes())
    (tmp_path / "broken.ocg").write_bytes(b"not a group")
    files = sorted(str(p) for p in tmp_path.iterdir())
    got = {p.split(str(tmp_path) + "/", 1)[1]: (loader(), meta) for p, loader, meta in iter_sources("x", files)}
    assert set(got) == {"0snd.pk3!sound/footsteps/snow1.ogg", "Sound.ocg!Environment.ocg/WindLoop.ogg",
                        "bark.wav", "opensfx.cat!00 Cow.wav"}
    assert got["opensfx.cat!00 Cow.wav"][1]["licence"] == "CC0-1.0"
    for data, _ in got.values():
        assert sf.info(io.BytesIO(data)).frames > 0
    err = capsys.readouterr().err  # the unreadable group is named, and the rest still listed
    assert "warning: cannot read archive" in err and "broken.ocg" in err


# ---------------------------------------------------------------- captions the way people search
@pytest.mark.parametrize("pkg,path,want", [
    ("openttd-opensfx", "/usr/share/games/openttd/baseset/opensfx/opensfx.cat!37 Cow.wav", "a cow mooing"),
    ("openttd-opensfx", "/x/opensfx.cat!25 Truck-old bus start, pull away.wav", "an old truck starting and pulling away"),
    ("lugaru-data", "/usr/share/games/lugaru/Sounds/FootStepSnow1.ogg", "footsteps on snow"),
    ("lugaru-data", "/usr/share/games/lugaru/Sounds/Bark2.ogg", "a dog barking"),
    ("openclonk-data", "/usr/share/games/openclonk/Sound.ocg!Liquids.ocg/StereoRain.ogg", "rain falling"),
    ("ufoai-sound", "/usr/share/games/ufoai/base/0snd.pk3!sound/footsteps/gravel2.ogg", "footsteps on gravel"),
    ("ardentryst", "/usr/share/games/ardentryst/Sounds/NYX/NYX_STEP_GRASS3.ogg", "footsteps on grass"),
    ("pekka-kana-2-data", "/usr/share/games/pekka-kana-2/data/sprites/hen.wav", "a chicken clucking"),
])
def test_everyday_captions(pkg, path, want):
    assert caption_for(pkg, path)["captions"][0] == want


def test_skips_music_and_fictional_noise_and_marks_long_ambiences():
    assert caption_for("openttd-opensfx", "/x/opensfx.cat!00 Good Year.wav") is None
    assert caption_for("micropolis-data", "/usr/share/games/micropolis/res/sounds/zone.wav") is None
    assert caption_for("flare-game", "/usr/share/games/flare/mods/fantasycore/music/town_theme.ogg")["kind"] == "music"
    amb = caption_for("unknown-horizons", "/usr/share/games/unknown-horizons/content/audio/music/waves.ogg")
    assert amb["captions"][0].startswith("sea waves") and amb["windows"] == 12
    # a small package keeps only files a hand rule names
    assert caption_for("kolf", "/usr/share/kolf/sounds/wobble.wav") is None


def test_long_ambiences_are_cut_into_windows():
    sr = 22050
    y = (0.2 * np.random.default_rng(0).standard_normal(sr * 45)).astype(np.float32)
    buf = io.BytesIO()
    sf.write(buf, y, sr, format="WAV")
    assert len(A.process(buf.getvalue(), "a.wav")) == 3  # the first version's limit
    clips = A.process(buf.getvalue(), "a.wav", max_chunks=12)
    assert [c[1] for c in clips] == [0, 1, 2, 3, 4] and len(clips[-1][0]) == 5 * A.SR


def test_fingerprint_matches_a_resampled_copy_not_another_sound():
    t = np.arange(A.SR * 4) / A.SR
    rng = np.random.default_rng(3)
    y = (0.3 * np.sin(2 * np.pi * 300 * t * (1 + 0.5 * np.sin(2 * t))) + 0.05 * rng.standard_normal(len(t)))
    y = y.astype(np.float32)
    copy = soxr.resample(soxr.resample(y, A.SR, 16000), 16000, A.SR)[: len(y)] * 0.7
    other = (0.3 * rng.standard_normal(len(t))).astype(np.float32)
    fa, fb, fc = (A.fingerprint(A.to_int16(v)) for v in (y, copy, other))
    assert A.fp_distance(fa, fb) < 0.12 < A.fp_distance(fa, fc)


# ---------------------------------------------------------------- splits and the manifest
def test_roles_and_labels():
    assert role("openttd-opensfx") == "test" and role("flare-game") == "val" and role("megaglest-data") == "train"
    assert caption_label("a cow mooing", "animal") == "cow"
    assert caption_label("footsteps on snow", "effect") == "footsteps"
    assert caption_label("a cow mooing", "speech") is None


def _rec(pkg, path, clips, meta=None):
    r = {"key": f"{pkg}:{path}", "package": pkg, "path": path,
         "clips": [{"id": i, "duration": d, "chunk": k, "fp": ""} for i, d, k in clips]}
    if meta:
        r["meta"] = meta
    return r


def test_manifest_holds_out_whole_packages_and_drops_train_copies(tmp_path):
    cat = "/usr/share/games/openttd/baseset/opensfx/opensfx.cat"
    state = {r["key"]: r for r in [
        # the same cow recording in a train package and in a test package: the train copy goes
        _rec("megaglest-data", "/usr/share/games/megaglest/data/cow.ogg", [("c0w", 2.0, 0)]),
        _rec("megaglest-data", "/usr/share/games/megaglest/data/dog_bark.ogg", [("d0g", 1.0, 0)]),
        _rec("openttd-opensfx", f"{cat}!37 Cow.wav", [("c0w", 2.0, 0)], opensfx_meta(COW)),
        _rec("openttd-opensfx", f"{cat}!38 Horse.wav", [("h1", 2.0, 0)]),
        _rec("openttd-opensfx", f"{cat}!36 Sheep.wav", [("s1", 2.0, 0)]),
        _rec("micropolis-data", "/usr/share/games/micropolis/res/sounds/quack.wav", [("q1", 1.0, 0)]),
        _rec("lugaru-data", "/usr/share/games/lugaru/Sounds/Bark.ogg", [("b1", 1.0, 0)]),
        _rec("lugaru-data", "/usr/share/games/lugaru/Sounds/Bark2.ogg", [("b2", 1.0, 0)]),
        _rec("lugaru-data", "/usr/share/games/lugaru/Sounds/Bark3.ogg", [("b3", 1.0, 0)]),
        _rec("lugaru-data", "/usr/share/games/lugaru/Sounds/BarkGrowl.ogg", [("b4", 1.5, 0)]),
        # a long ambience in a val package: every window, one caption family
        _rec("flare-game", "/usr/share/games/flare/mods/fantasycore/soundfx/environment/river_loop.ogg",
             [(f"r{k}", 10.0, k) for k in range(5)]),
    ]}
    rows, eval_rows, info, st = manifest_stage(str(tmp_path), state, 0.0, {})
    by_id = {x["id"]: x for x in rows}
    assert by_id["c0w"]["source_package"] == "openttd-opensfx" and by_id["c0w"]["split"] == "test"
    assert by_id["c0w"]["author"].startswith("Original") and by_id["c0w"]["licence"] == "CC0-1.0"
    assert st["duplicates_dropped"] == 1
    assert by_id["d0g"]["splits"] == {"select": "train", "final": "train", "in_source": by_id["d0g"]["split"]}
    river = [x for x in rows if x["id"].startswith("r")]
    assert len(river) == 5 and {x["caption"] for x in river} == {"a river flowing"}
    assert {x["split"] for x in river} == {"val"} and river[0]["splits"]["final"] == "train"
    assert {x["label"] for x in eval_rows} == {"dog"}  # cow, horse, sheep, duck: fewer than 4 clips each
    assert not {x["id"] for x in eval_rows} & {x["id"] for x in rows if x["split"] != "test"}
    stats = write_outputs(str(tmp_path), rows, eval_rows, info, st, 0.0, {})
    assert stats["splits"] == {"train": 1, "test": 8, "val": 5}
    table = (tmp_path / "attribution.md").read_text()
    assert "| openttd-opensfx | test | 3 |" in table and "Jarred Gib" in table
    assert [json.loads(x)["id"] for x in (tmp_path / "manifest.jsonl").read_text().splitlines()] == [
        x["id"] for x in rows]


def test_trainer_reads_a_split_scheme(tmp_path):
    from clap_search.training.data import read_manifest

    rows = [{"id": "a", "audio": "audio/a.flac", "caption": "rain", "split": "val",
             "splits": {"select": "val", "final": "train", "in_source": "train"}},
            {"id": "b", "audio": "audio/b.flac", "caption": "wind", "split": "train"}]
    (tmp_path / "manifest.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert [c.split for c in read_manifest(tmp_path)] == ["val", "train"]
    assert [c.split for c in read_manifest(tmp_path, "final")] == ["train", "train"]


def test_manifest_drops_reencoded_copies_of_held_out_recordings(tmp_path):
    t = np.arange(A.SR * 3) / A.SR
    rng = np.random.default_rng(5)
    y = (0.3 * np.sin(2 * np.pi * 500 * t * (1 + 0.4 * np.sin(3 * t))) + 0.05 * rng.standard_normal(len(t)))
    y = y.astype(np.float32)
    copy = (soxr.resample(soxr.resample(y, A.SR, 11025), 11025, A.SR)[: len(y)] * 0.8).astype(np.float32)
    other = (0.3 * rng.standard_normal(len(t))).astype(np.float32)
    wind = (0.3 * rng.standard_normal(len(t))).astype(np.float32)
    fp = {k: A.fingerprint(A.to_int16(v))
          for k, v in {"orig": y, "copy": copy, "other": other, "wind": wind}.items()}

    def rec(pkg, path, cid, key):
        return {"key": f"{pkg}:{path}", "package": pkg, "path": path,
                "clips": [{"id": cid, "duration": 3.0, "chunk": 0, "fp": fp[key]}]}

    state = {r["key"]: r for r in [
        rec("minetest-data", "/usr/share/games/minetest/sounds/fire_large.ogg", "m1", "copy"),  # train copy
        rec("minetest-data", "/usr/share/games/minetest/sounds/wind.ogg", "m2", "wind"),
        rec("lugaru-data", "/usr/share/games/lugaru/Sounds/Fire.ogg", "l1", "orig"),  # test package
        rec("xemacs21-basesupport", "/usr/share/xemacs21/etc/sounds/thunder.au", "x1", "other"),
        rec("xemacs21-basesupport", "/usr/share/xemacs21/etc/sounds/thunder.wav", "x2", "other"),
    ]}
    rows, _, _, st = manifest_stage(str(tmp_path), state, 0.0, {})
    assert {x["id"] for x in rows} == {"m2", "l1", "x1"}
    # the train copy of the test recording is a leak; thunder.au / thunder.wav are one recording
    assert st["heldout_leak_guard_dropped"] == 1 and st["near_duplicates_dropped"] == 1


def test_val_packages_get_their_own_zero_shot_set(tmp_path):
    from corpus.manifest import val_zero_shot

    rows = [{"id": f"v{i}", "caption": "footsteps on snow", "kind": "effect", "split": "val",
             "source_package": "ardentryst", "duration": 0.5,
             "source_path": f"/usr/share/games/ardentryst/Sounds/NYX/NYX_STEP_SNOW{i}.ogg"} for i in range(5)]
    rows.append({"id": "t0", "caption": "footsteps on snow", "kind": "effect", "split": "train",
                 "source_package": "ufoai-sound", "duration": 0.5, "source_path": "/x/snow1.ogg"})
    got, info = val_zero_shot(rows)
    assert {x["id"] for x in got} == {f"v{i}" for i in range(5)} and info == {"footsteps": ["ardentryst"]}


def test_per_file_credits_only_where_the_copyright_file_names_the_file(tmp_path):
    from corpus.copyright import credit_for

    (tmp_path / "ufoai-x").mkdir()
    (tmp_path / "ufoai-x" / "copyright").write_text(
        "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\n"
        "Files: *\nCopyright: the team\nLicense: GPL-2+\n\n"
        "Files:\n base/sound/ambience/fire.ogg\n base/sound/misc/glass.ogg\n"
        "Copyright:\n Jane Doe\n John Roe\nLicense: CC-BY-3.0\n text of the licence\n\n"
        "Files: base/sound/doors/*\nCopyright: Someone\nLicense: CC0\n")
    pk3 = "/usr/share/games/ufoai/base/0snd.pk3!sound/ambience/fire.ogg"
    assert credit_for("ufoai-x", pk3, str(tmp_path)) == ("CC-BY-3.0", "Jane Doe John Roe")
    assert credit_for("ufoai-x", "/usr/share/x/sound/doors/door1.ogg", str(tmp_path)) is None  # a wildcard
    assert credit_for("ufoai-x", "/usr/share/x/sound/other/fire.ogg", str(tmp_path)) is None
    assert credit_for("no-such-package", pk3, str(tmp_path)) is None


def test_opensfx_keeps_the_catalogue_sentence_as_a_phrasing():
    caps = caption_for("openttd-opensfx", "/x/opensfx.cat!56 Lumber mill: Chainsaw.wav")["captions"]
    assert caps[0] == "a chainsaw cutting" and caps[-1] == "lumber mill, chainsaw"
