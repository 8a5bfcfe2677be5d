"""The command line: the JSON contract, exact error messages and exit codes, help, README, imports."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from clap_search.cli.main import app

README = Path(__file__).parent.parent / "README.md"
COMMANDS = sorted(c.name or c.callback.__name__ for c in app.registered_commands)


@pytest.fixture
def built(cli, sounds, tmp_path):
    lib = tmp_path / "lib"
    code, out, err = cli("index", sounds, "--library", lib, "--model", "tiny")
    assert code == 0, err
    return lib


def lines(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines()]


def test_index_then_query_json_contract(built, sounds):
    result = CliRunner().invoke(
        app, ["query", "dog barking in rain", "-k", "3", "--json", "--library", str(built)]
    )
    assert result.exit_code == 0, result.output
    hits = lines(result.stdout)
    assert len(hits) == 3
    for hit in hits:
        assert {"path", "score", "start", "end"} <= hit.keys()
        assert Path(hit["path"]).is_absolute() and Path(hit["path"]).parent == sounds
        assert isinstance(hit["score"], float) and 0 <= hit["start"] < hit["end"]
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)


def test_similar_json_contract(built, sounds):
    args = ["similar", str(sounds / "s1.wav"), "-k", "2", "--json", "--library", str(built)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    hits = lines(result.stdout)
    assert len(hits) == 2 and all(h["path"] != str(sounds / "s1.wav") for h in hits)


def test_classify_json_contract(built, sounds):
    args = ["classify", str(sounds), "--labels", "dog, cat,rain", "--json", "--library", str(built)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    rows = lines(result.stdout)
    assert len(rows) == 5
    for row in rows:
        assert set(row["scores"]) == {"dog", "cat", "rain"} and row["label"] in row["scores"]
        assert row["score"] == max(row["scores"].values()) and Path(row["path"]).is_absolute()


def test_labels_file(cli, built, sounds, tmp_path):
    labels = tmp_path / "labels.txt"
    labels.write_text("dog\ncat\n\n")
    code, out, _ = cli("classify", sounds / "s0.wav", "--labels-file", labels, "--json", "--library", built)
    assert code == 0 and set(lines(out)[0]["scores"]) == {"dog", "cat"}


def test_status_and_remove(cli, built, sounds):
    code, out, _ = cli("status", "--json", "--library", built)
    status = lines(out)[0]
    assert code == 0 and status["files"] == 5 and status["model"]["name"] == "tiny"
    assert status["index_type"] == "flat" and status["index_bytes"] > 0
    code, out, _ = cli("remove", sounds / "s0.wav", "--library", built)
    assert code == 0 and "removed 1 file" in out
    assert lines(cli("status", "--json", "--library", built)[1])[0]["files"] == 4


def test_index_is_incremental_and_reports_failures(cli, built, sounds):
    (sounds / "broken.wav").write_text("not audio")
    code, out, _ = cli("index", sounds, "--library", built, "--json")
    summary = lines(out)[0]
    assert code == 0 and (summary["unchanged"], summary["failed"], summary["added"]) == (5, 1, 0)
    assert summary["failures"][0]["path"] == str(sounds / "broken.wav")
    status = lines(cli("status", "--json", "--library", built)[1])[0]
    assert status["failed"] == 1 and status["failures"][0]["error"]


ERRORS = [
    (
        ["query", "  "],
        2,
        'error: empty query: describe a sound, e.g. clap-search query "dog barking in rain"',
    ),
    (
        ["query", "dog"],
        1,
        "error: no library at {nolib} yet: build one with `clap-search index DIR` "
        "(or point --library or $CLAP_SEARCH_LIBRARY at an existing library)",
    ),
    (["similar", "{tmp}/missing.wav"], 1, "error: no such file: {tmp}/missing.wav"),
    (["index", "{tmp}/nowhere"], 1, "error: no such file or folder: {tmp}/nowhere"),
    (["classify", "{tmp}/x.wav", "--labels", "a,b"], 1, "error: no such file or folder: {tmp}/x.wav"),
]


@pytest.mark.parametrize(("args", "code", "message"), ERRORS)
def test_error_messages(cli, tmp_path, args, code, message):
    nolib = tmp_path / "nolib"
    fill = {"tmp": tmp_path, "nolib": nolib}
    got_code, out, err = cli(*[a.format(**fill) for a in args], "--library", nolib)
    assert (got_code, out, err) == (code, "", message.format(**fill) + "\n")


def test_unknown_model(cli, sounds, tmp_path):
    code, out, err = cli("index", sounds, "--library", tmp_path / "lib", "--model", "nosuch")
    assert code == 1 and out == "" and err.startswith("error: unknown model 'nosuch'")
    assert "Traceback" not in err


def test_unreadable_audio_to_similar(cli, built, tmp_path):
    bad = tmp_path / "bad.wav"
    bad.write_text("just text")
    code, out, err = cli("similar", bad, "--library", built)
    assert code == 1 and out == "" and err.startswith(f"error: {bad}: ") and err.count("\n") == 1


def test_model_mismatch_message(cli, built, sounds, monkeypatch):
    from clap_search.library import Library

    lib = Library.open(built)
    with lib.session() as s, s.begin():
        from clap_search.db import Meta

        s.get(Meta, 1).model_version = "older"
    lib.close()
    code, _, err = cli("query", "dog", "--library", built)
    assert code == 1 and "was built with model 'tiny' (older" in err and "--rebuild" in err


def test_verbose_shows_traceback(cli, tmp_path):
    code, _, err = cli("query", "dog", "--library", tmp_path / "nolib", "-v")
    assert code == 1 and "Traceback" in err and err.rstrip().endswith("existing library)")


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command):
    result = CliRunner().invoke(app, [command, "--help"])
    assert result.exit_code == 0 and f"clap-search {command}" in result.output


def test_readme_lists_every_command():
    text = README.read_text(encoding="utf-8")
    missing = [c for c in COMMANDS if not re.search(rf"clap-search {c}\b", text)]
    assert not missing, f"README.md does not show: {missing}"


def test_library_does_not_import_the_indexer_and_help_is_light():
    code = (
        "import sys, clap_search.cli.main, clap_search.library, clap_search.query;"
        "bad = [m for m in ('clap_search.indexer', 'clap_search.training') if m in sys.modules];"
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    code = "import sys, clap_search.cli.main; assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
