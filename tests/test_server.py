"""The HTTP API with FastAPI's TestClient: search contract, streaming with ranges, security, uploads."""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from fastapi.testclient import TestClient

from clap_search.indexer.pipeline import index_folder
from clap_search.library import Library
from clap_search.server.app import create_app
from clap_search.server.engine import Engine
from clap_search.server.media import MediaFiles
from tests.conftest import write_sound

LIMIT = 200_000


@pytest.fixture
def served(library, sounds, embedder):
    """A library of five WAVs and two FLACs (one in a subfolder), served with a 200 kB upload limit
    (from a folder and from PostgreSQL: `serve` works the same on both)."""
    write_sound(sounds / "sub" / "f0.flac", seconds=2.5, freq=900, seed=10)
    write_sound(sounds / "sub" / "f1.flac", seconds=8.0, freq=1200, seed=11)
    lib = library
    index_folder(lib, sounds, embedder)
    app = create_app(engine=Engine(lib, embedder, MediaFiles(lib), LIMIT))
    with TestClient(app) as client:
        yield client, lib, sounds


def search(client, **params):
    r = client.get("/api/search", params={"q": "dog barking", **params})
    assert r.status_code == 200, r.text
    return r.json()["results"]


def test_search_contract(served):
    client, _, sounds = served
    hits = search(client, k=4)
    assert len(hits) == 4
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)
    for h in hits:
        assert {
            "path",
            "score",
            "start",
            "end",
            "audio_url",
            "file_id",
            "duration",
            "folder",
            "name",
            "sample_rate",
            "format",
            "tags",
        } <= h.keys()
        assert Path(h["path"]).is_absolute() and 0 <= h["start"] < h["end"]
        audio = client.get(h["audio_url"])
        assert audio.status_code == 200 and audio.content == Path(h["path"]).read_bytes()


def test_filters_still_return_k(served):
    client, _, sounds = served
    flac = search(client, k=2, ext="flac")
    assert len(flac) == 2 and all(h["path"].endswith(".flac") for h in flac)
    assert {h["format"] for h in search(client, k=2, format="FLAC")} == {"FLAC"}
    folder = search(client, k=10, folder=str(sounds / "sub"))
    assert len(folder) == 2 and all(h["folder"] == str(sounds / "sub") for h in folder)
    durations = [h["duration"] for h in search(client, k=10, min_duration=3, max_duration=5)]
    assert sorted(durations) == [3.0, 4.0, 5.0]
    assert search(client, sample_rate=8000) == []


def test_bad_parameters_are_json_errors(served):
    client, _, _ = served
    for params in ({"q": "dog", "k": 0}, {"q": ""}, {"k": 3}):
        r = client.get("/api/search", params=params)
        assert r.status_code == 422 and set(r.json()) == {"error"}
    r = client.get("/api/search", params={"q": "dog", "min_duration": 5, "max_duration": 1})
    assert r.status_code == 400 and "min-duration" in r.json()["error"]


def test_status_files_facets(served):
    client, lib, sounds = served
    status = client.get("/api/status").json()
    assert status["files"] == 7 and status["model"]["name"] == "tiny"
    hit = search(client, k=1)[0]
    info = client.get(f"/api/files/{hit['file_id']}").json()
    assert info["path"] == hit["path"] and info["status"] == "ok" and info["audio_url"] == hit["audio_url"]
    assert client.get("/api/files/9999").status_code == 404
    facets = client.get("/api/facets").json()
    assert {f["value"] for f in facets["formats"]} == {"WAV", "FLAC"}
    assert {f["value"] for f in facets["folders"]} == {str(sounds), str(sounds / "sub")}


def test_audio_range_requests(served):
    client, _, _ = served
    hit = search(client, k=1, ext="wav")[0]
    data = Path(hit["path"]).read_bytes()
    full = client.get(hit["audio_url"])
    assert full.headers["content-type"] == "audio/wav" and full.headers["accept-ranges"] == "bytes"
    part = client.get(hit["audio_url"], headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == data[100:200]
    assert part.headers["content-range"] == f"bytes 100-199/{len(data)}"
    tail = client.get(hit["audio_url"], headers={"Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.content == data[-10:]


@pytest.mark.parametrize(
    "url",
    [
        "/audio/..%2F..%2Fetc%2Fpasswd",
        "/audio/%2Fetc%2Fpasswd",
        "/audio/../../etc/passwd",
        "/audio/-1",
        "/audio/9999",
        "/audio/abc",
        "/audio/1/../../etc/passwd",
        "/static/..%2F..%2F..%2Fdb.py",
    ],
)
def test_no_path_reads_outside_the_library(served, url):
    client, _, _ = served
    r = client.get(url)
    assert r.status_code in (400, 404) and b"root:" not in r.content and b"sqlalchemy" not in r.content


def test_missing_file_and_symlink_out(served, tmp_path, embedder):
    client, lib, sounds = served
    gone = search(client, k=1, ext="flac")[0]
    os.remove(gone["path"])
    r = client.get(gone["audio_url"])
    assert r.status_code == 404 and "gone from disk" in r.json()["error"]
    outside = write_sound(tmp_path / "outside" / "secret.wav", seconds=2.0)
    (sounds / "link.wav").symlink_to(outside)
    summary = index_folder(lib, sounds, embedder)  # a symlink out is not indexed...
    assert [p for p, _ in summary.failures] == [str(sounds / "link.wav")]
    # ...and a file swapped for one after indexing is refused when played
    hit = search(client, k=1, ext="wav")[0]
    os.remove(hit["path"])
    os.symlink(outside, hit["path"])
    r = client.get(hit["audio_url"])
    assert r.status_code == 403 and "outside the indexed folders" in r.json()["error"]


def test_more_like_this_excludes_the_file(served):
    client, _, _ = served
    hit = search(client, k=1)[0]
    r = client.get("/api/similar", params={"file_id": hit["file_id"], "k": 3})
    ids = [h["file_id"] for h in r.json()["results"]]
    assert r.status_code == 200 and len(ids) == 3 and hit["file_id"] not in ids
    assert client.get("/api/similar", params={"file_id": 9999}).status_code == 404


def test_upload_search_and_classify(served):
    client, lib, sounds = served
    before = sorted(p.name for p in lib.root.iterdir())
    clip = (sounds / "s1.wav").read_bytes()
    r = client.post("/api/similar", params={"k": 2}, files={"file": ("clip.wav", clip, "audio/wav")})
    assert r.status_code == 200 and len(r.json()["results"]) == 2
    r = client.post("/api/classify", files={"file": ("c.wav", clip)}, data={"labels": "dog, cat,rain"})
    body = r.json()
    assert r.status_code == 200 and set(body["scores"]) == {"dog", "cat", "rain"}
    assert abs(sum(body["scores"].values()) - 1) < 1e-4 and body["label"] in body["scores"]
    assert sorted(p.name for p in lib.root.iterdir()) == before  # nothing written into the library
    r = client.post("/api/similar", files={"file": ("notes.wav", b"just text")})
    assert r.status_code == 422 and "notes.wav" in r.json()["error"]


def test_upload_size_limit(served):
    client, _, _ = served
    big = b"\0" * (LIMIT + 100_000)
    r = client.post("/api/similar", files={"file": ("big.wav", big, "audio/wav")})
    assert r.status_code == 413 and "upload too large" in r.json()["error"]

    def chunks():  # no Content-Length: the limit is counted as the body arrives
        for _ in range(6):
            yield b"\0" * 64_000

    r = client.post(
        "/api/similar", content=chunks(), headers={"content-type": "multipart/form-data; boundary=x"}
    )
    assert r.status_code == 413


def test_waveform_export_duplicates_docs(served):
    client, _, _ = served
    hit = search(client, k=1)[0]
    peaks = client.get(hit["waveform_url"]).json()["peaks"]
    assert len(peaks) == 200 and all(0 <= p <= 1 for p in peaks) and max(peaks) > 0.1
    csv = client.get("/api/export", params={"q": "dog", "k": 3, "as": "csv"})
    assert csv.status_code == 200 and csv.text.splitlines()[0].startswith("rank,path,score,start,end")
    assert len(csv.text.splitlines()) == 4
    assert client.get("/api/duplicates").json()["groups"] == []
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/search", "/api/similar", "/api/classify", "/api/status", "/audio/{file_id}"} <= set(paths)


def test_page_and_not_found(served):
    client, _, _ = served
    page = client.get("/")
    assert page.status_code == 200 and 'id="q"' in page.text and "/static/app.js" in page.text
    assert client.get("/static/app.js").status_code == 200
    html = client.get("/nowhere", headers={"accept": "text/html"})
    assert html.status_code == 404 and "Not found" in html.text
    assert client.get("/api/nowhere").json() == {"error": "not found"}


def test_server_sees_files_indexed_while_it_runs(served, embedder):
    client, lib, sounds = served
    assert client.get("/api/status").json()["files"] == 7
    other = Library.open(lib.location)  # another process's view: the CLI indexer
    write_sound(sounds / "new.wav", seconds=2.0, freq=321, seed=99)
    index_folder(other, sounds, embedder)
    other.close()
    assert "new.wav" in {h["name"] for h in search(client, k=20)}


def test_formats_browsers_cannot_play_are_served_as_wav(tmp_path, embedder):
    folder = tmp_path / "aiffs"
    original = write_sound(folder / "take.aiff", seconds=2.0, freq=500)
    lib = Library.open(tmp_path / "lib_aiff", create=True)
    index_folder(lib, folder, embedder)
    app = create_app(engine=Engine(lib, embedder, MediaFiles(lib), LIMIT))
    with TestClient(app) as client:
        url = search(client, k=1)[0]["audio_url"]
        first = client.get(url)
        assert first.status_code == 200 and first.headers["content-type"] == "audio/wav"
        wave, rate = sf.read(io.BytesIO(first.content))
        want, want_rate = sf.read(original)
        assert rate == want_rate and len(wave) == len(want) and np.abs(wave - want).max() < 1e-3
        part = client.get(url, headers={"Range": "bytes=0-43"})
        assert part.status_code == 206 and part.content == first.content[:44]
        previews = list((tmp_path / "lib_aiff" / "previews").glob("*.wav"))
        assert len(previews) == 1
        made = previews[0].stat().st_mtime_ns
        client.get(url)
        assert previews[0].stat().st_mtime_ns == made  # cached, not transcoded again
    lib.close()


def test_api_docs_load_nothing_from_the_network(served):
    """/docs and /redoc reference only this server's files (FastAPI's default is a CDN), and they exist."""
    import re

    client, _, _ = served
    for page in ("/docs", "/redoc"):
        html = client.get(page)
        assert html.status_code == 200
        urls = re.findall(r"""(?:src|href|url)\s*[=:]\s*['"]([^'"]+)['"]""", html.text)
        assert urls and not [u for u in urls if "//" in u], urls
        for url in urls:
            asset = client.get(url)
            assert asset.status_code == 200 and len(asset.content) > 100, url
    assert '"validatorUrl": null' in client.get("/docs").text  # no call to validator.swagger.io
