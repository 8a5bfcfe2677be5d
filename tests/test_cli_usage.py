"""The installed `clap-search` script: usage errors, help, version, busy ports, empty libraries.

Through a subprocess on purpose: CliRunner calls the app in-process and hides what the console
script does with an exception its handler does not know (typer 0.29 raises its own click copy's).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from clap_search import __version__
from clap_search.cli.main import app

SCRIPT = shutil.which("clap-search", path=os.path.dirname(sys.executable)) or shutil.which("clap-search")
COMMANDS = sorted(c.name or c.callback.__name__ for c in app.registered_commands)


def clap_search(*args: object, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    assert SCRIPT, "the clap-search console script is not installed (pip install -e .)"
    run_env = {**os.environ, "COLUMNS": "100", **(env or {})}
    return subprocess.run([SCRIPT, *map(str, args)], capture_output=True, text=True, timeout=120, env=run_env)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    from tests.conftest import write_sound

    root = tmp_path_factory.mktemp("usage")
    for i in range(2):
        write_sound(root / "sounds" / f"s{i}.wav", seconds=2, freq=300 + 200 * i, seed=i)
    result = clap_search("index", root / "sounds", "--library", root / "lib", "--model", "tiny", "--json")
    assert result.returncode == 0, result.stderr
    return root / "lib"


# "..." stands for typer's own wording, which changes between versions.
K = "error: invalid value for '-k' / '--top': ... (see clap-search {} --help)"
USAGE_ERRORS = [
    (["frobnicate"], "error: no such command 'frobnicate' (see clap-search --help)"),
    (["query", "dog", "-k", "0"], K.format("query")),
    (["query", "dog", "-k", "abc"], K.format("query")),
    (["query"], "error: missing argument 'TEXT' (see clap-search query --help)"),
    (["query", "dog", "--frob"], "error: no such option: --frob (see clap-search query --help)"),
    (["serve", "--port", "70000"], "error: invalid value for '--port': ... (see clap-search serve --help)"),
    (["tag", "--top", "x"], K.format("tag")),
]


@pytest.mark.parametrize(("args", "pattern"), USAGE_ERRORS, ids=[" ".join(a) for a, _ in USAGE_ERRORS])
def test_usage_error_is_one_line_and_exit_2(args, pattern, tmp_path):
    result = clap_search(*args) if args == ["frobnicate"] else clap_search(*args, "--library", tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stdout == "" and "Traceback" not in result.stderr
    expected = ".+".join(map(re.escape, pattern.split("..."))) + "\n"
    assert result.stderr.count("\n") == 1 and re.fullmatch(expected, result.stderr), result.stderr


def test_model_before_the_command_is_a_library_error(built):
    result = clap_search("--model", "nosuchmodel", "query", "dog", "--library", built)
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.startswith("error: unknown model 'nosuchmodel'") and result.stderr.count("\n") == 1


def test_shared_options_before_the_command_apply_to_it(built):
    result = clap_search("--library", built, "query", "a tone", "-k", "1", "--json")
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 1


def test_bare_command_prints_help():
    result = clap_search()
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout.startswith("Usage: clap-search [OPTIONS] COMMAND")
    assert all(c in result.stdout for c in COMMANDS)


def test_short_help_and_version():
    short, long = clap_search("-h"), clap_search("--help")
    assert short.returncode == long.returncode == 0 and short.stdout == long.stdout
    assert clap_search("query", "-h").stdout == clap_search("query", "--help").stdout
    version = clap_search("--version")
    assert (version.returncode, version.stdout, version.stderr) == (0, f"clap-search {__version__}\n", "")


# What typer prints when a parameter lacks a metavar, or a required argument in typer >= 0.26.
PLACEHOLDERS = re.compile(r"<(bool|str|int|float|path)[^>]*>|list\[|\{[a-z_]+\}")


@pytest.mark.parametrize("command", COMMANDS)
def test_help_reads_like_a_designed_tool(command):
    result = clap_search(command, "--help")
    assert result.returncode == 0 and result.stderr == ""
    text = result.stdout
    flat = " ".join(text.split())
    assert f"Example: clap-search {command}" in flat
    callback = next(c.callback for c in app.registered_commands if c.callback.__name__ == command)
    example = next(line.strip() for line in callback.__doc__.splitlines() if "Example:" in line)
    assert example in [line.strip() for line in text.splitlines()]  # whole, on one line, copyable
    usage = text.splitlines()[0]
    assert usage.startswith(f"Usage: clap-search {command} [OPTIONS]") and "{" not in usage
    assert not PLACEHOLDERS.search(text.replace("{label}", "")), text
    if "--device" in text:
        assert "[default: auto]" in flat
    if "-k, --top N" not in text:
        assert "-k" not in text.replace("--", "")  # -k always means the same thing, with --top
    assert "opens the browser" not in text and "Open the library in the browser" not in text


def test_serve_on_a_busy_port_is_one_error_line(tmp_path):
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        result = clap_search("serve", "--port", port, "--library", tmp_path / "nolib")
    assert result.returncode == 1 and result.stdout == ""
    assert (
        result.stderr == f"error: port {port} on 127.0.0.1 is in use: try another, e.g. --port {port + 1}\n"
    )


def test_failed_index_creates_no_library(cli, tmp_path, sounds):
    lib = tmp_path / "lib"
    for args in ([tmp_path / "missing"], [sounds, "--model", "nosuchmodel"]):
        code, out, err = cli("index", *args, "--library", lib)
        assert (code, out) == (1, "") and err.startswith("error: ") and err.count("\n") == 1
        assert not lib.exists()


def test_empty_library_says_so(cli, tmp_path, sounds):
    from clap_search.library import Library

    lib = tmp_path / "lib"
    Library.open(lib, create=True).close()
    message = f"error: the library at {lib} is empty: add sounds with `clap-search index DIR`\n"
    query = clap_search("query", "dog", "--model", "tiny", "--library", lib)
    assert (query.returncode, query.stdout, query.stderr) == (1, "", message)
    tiny = ["--model", "tiny"]
    for args in (
        ["duplicates"],
        ["export", "dog", "--csv", tmp_path / "x", *tiny],
        ["similar", sounds / "s0.wav", *tiny],
    ):
        assert cli(*args, "--library", lib) == (1, "", message), args
    code, _, err = cli("status", "--library", lib)
    assert code == 0 and "the library is empty: add sounds with `clap-search index DIR" in err
    code, _, err = cli("query", "dog", "--library", tmp_path / "nolib")
    assert code == 1 and err.startswith(f"error: no library at {tmp_path / 'nolib'} yet")
