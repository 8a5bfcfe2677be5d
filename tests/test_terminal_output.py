"""What lands on the terminal: decoder chatter kept off it, piped results unwrapped, honest summaries."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

from clap_search.indexer.noise import DecoderNoise
from tests.conftest import write_sound
from tests.test_cli_usage import clap_search

EXAMPLE_MP3 = Path(__file__).parent.parent / "examples" / "sounds" / "animals" / "cow.mp3"


def test_decoder_noise_is_captured_per_decode_and_the_rest_replayed(capfd):
    with DecoderNoise() as noise:
        os.write(2, b"before\n")
        with noise.capture() as heard:
            os.write(2, b"Note: Illegal Audio-MPEG-Header\n[src/id3.c:parse():950] warning: ID3v2\n")
        print("progress bar", file=sys.stderr)  # Python's stderr still reaches the terminal
        with noise.capture() as quiet:
            pass
    out, err = capfd.readouterr()
    assert heard.text == "Note: Illegal Audio-MPEG-Header; warning: ID3v2"  # no C source locations
    assert quiet.text == ""
    assert "Illegal" not in err and "progress bar" in err and "before" in err


def test_mp3_chatter_becomes_the_files_warning(tmp_path):
    sounds = tmp_path / "sounds"
    sounds.mkdir()
    # An ID3v2 header claiming a 2-byte tag: libmpg123 says "unrealistic small tag length" on fd 2.
    (sounds / "odd_tag.mp3").write_bytes(b"ID3\x03\x00\x00\x00\x00\x00\x02" + EXAMPLE_MP3.read_bytes())
    shutil.copy(EXAMPLE_MP3, sounds / "clean.mp3")
    lib = tmp_path / "lib"
    result = clap_search("index", sounds, "--library", lib, "--model", "tiny", "--json")
    assert result.returncode == 0, result.stderr
    assert "ID3v2" not in result.stderr and "libmpg123" not in result.stderr
    summary = json.loads(result.stdout)
    assert summary["added"] == 2 and summary["failed"] == 0
    [warning] = summary["warnings"]
    assert warning.startswith(f"{sounds / 'odd_tag.mp3'}: decoder: ") and "ID3v2" in warning

    from clap_search.catalog import file_info
    from clap_search.library import Library

    opened = Library.open(lib)
    try:
        rows = {Path(r["path"]).name: r for r in (file_info(opened, i) for i in (1, 2))}
    finally:
        opened.close()
    assert "ID3v2" in rows["odd_tag.mp3"]["error"] and rows["odd_tag.mp3"]["status"] == "ok"
    assert rows["clean.mp3"]["error"] is None


def test_piped_results_are_one_unwrapped_line_per_hit(cli, tmp_path):
    deep = tmp_path / ("a_folder_with_a_long_name_" * 3) / "and_another_level"
    for i in range(3):
        write_sound(
            deep / f"field_recording_of_something_long_{i}.wav", seconds=2, freq=300 + 100 * i, seed=i
        )
    lib = tmp_path / "lib"
    code, out, err = cli("index", deep, "--library", lib, "--model", "tiny")
    assert code == 0, err
    assert out.splitlines()[-1].endswith(f"realtime); library: {lib}")

    result = clap_search("query", "a tone", "-k", "3", "--library", lib)  # stdout is a real pipe
    assert result.returncode == 0, result.stderr
    header, *hits = result.stdout.splitlines()
    assert header.split("\t") == ["#", "score", "path", "time"] and len(hits) == 3
    for rank, line in enumerate(hits, 1):
        fields = line.split("\t")
        assert fields[0] == str(rank) and Path(fields[2]).parent == deep and len(line) > 100

    code, out, err = cli("index", deep, "--library", lib)
    assert code == 0
    assert out == f"nothing changed: 3 files already up to date in the library at {lib}\n"
    assert "realtime" not in out + err
