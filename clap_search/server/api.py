"""The HTTP API: search, more-like-this, upload search, classify, files, status, facets, curation."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse
from pydantic import Field

from clap_search import catalog, duplicates, export, query
from clap_search.db import disk_path
from clap_search.filters import Filters
from clap_search.server.engine import Engine, engine
from clap_search.server.schemas import (
    ERRORS,
    ClassificationOut,
    FileOut,
    PeaksOut,
    ResultsOut,
)
from clap_search.server.uploads import decode_upload

MAX_K = 500
router = APIRouter(prefix="/api", responses=ERRORS)  # type: ignore[arg-type]
media_router = APIRouter(responses=ERRORS)  # type: ignore[arg-type]
EngineDep = Annotated[Engine, Depends(engine)]
K = Annotated[int, Query(ge=1, le=MAX_K, description="How many files to return.")]
PerFile = Annotated[int, Query(ge=1, le=20, description="Hits (windows) per file.")]
# Ids are SQLite integers: anything past int64 would overflow in the driver (a 500), so such an
# id is refused here (422) like any other malformed one; an id in range that is unknown is a 404.
MAX_ID = 2**63 - 1
FileId = Annotated[int, Path(ge=1, le=MAX_ID, description="A library file id (from a hit).")]
FileIdQuery = Annotated[int, Query(ge=1, le=MAX_ID, description="A library file id (from a hit).")]
SampleRate = Annotated[int, Field(ge=1, le=10_000_000)]


def filter_params(
    folder: Annotated[
        str | None, Query(description="Only files under this folder, written as in results and /api/facets.")
    ] = None,
    min_duration: Annotated[float | None, Query(ge=0, description="Seconds.")] = None,
    max_duration: Annotated[float | None, Query(ge=0, description="Seconds.")] = None,
    ext: Annotated[list[str], Query(description="File extensions, e.g. wav (repeat for several).")] = [],  # noqa: B006
    format: Annotated[list[str], Query(description="Formats as indexed, e.g. WAV, FLAC, MP3.")] = [],  # noqa: B006
    sample_rate: Annotated[list[SampleRate], Query(description="Native sample rates in Hz.")] = [],  # noqa: B006
    tag: Annotated[list[str], Query(description="Tags from `clap-search tag` (all must match).")] = [],  # noqa: B006
) -> Filters:
    """Metadata filters, applied before ranking so that k results come back when k exist."""
    # folders arrive as the library writes paths (a non-UTF-8 byte as \\xNN): back to the real one
    under = disk_path(folder) if folder else None
    return Filters.build(under, min_duration, max_duration, ext, format, sample_rate, tag)


FiltersDep = Annotated[Filters, Depends(filter_params)]


def _urls(request: Request, row: dict[str, Any]) -> dict[str, Any]:
    fid = row["file_id"]
    row["audio_url"] = str(request.url_for("audio", file_id=fid))
    row["waveform_url"] = str(request.url_for("waveform", file_id=fid))
    return row


def _results(request: Request, engine: Engine, hits: list[query.Hit]) -> dict[str, Any]:
    rows = catalog.describe_hits(engine.library, hits)
    return {"results": [_urls(request, r) for r in rows]}


@router.get("/search", response_model=ResultsOut, summary="Text search")
def search(
    request: Request,
    engine: EngineDep,
    filters: FiltersDep,
    q: Annotated[str, Query(min_length=1, description="What the sound is, in words.")],
    k: K = 10,
    per_file: PerFile = 1,
    mode: Annotated[
        Literal["hybrid", "audio", "words"],
        Query(description="hybrid: sound and the files' words; audio: sound only; words: words only."),
    ] = "hybrid",
) -> dict[str, Any]:
    """Sounds matching a description, best first; each hit's `explain` gives the parts of its score."""
    with engine.use() as lib:
        hits = query.search_text(lib, engine.embedder, q, k=k, per_file=per_file, filters=filters, mode=mode)
        return _results(request, engine, hits)


@router.get("/similar", response_model=ResultsOut, summary="More like this (a library file)")
def similar_file(
    request: Request,
    engine: EngineDep,
    filters: FiltersDep,
    file_id: FileIdQuery,
    k: K = 10,
) -> dict[str, Any]:
    """The files closest to a library file, from its stored vectors; the file itself is left out."""
    with engine.use() as lib:
        hits = query.similar_to_file(lib, engine.embedder, file_id, k=k, filters=filters)
        return _results(request, engine, hits)


@router.post("/similar", response_model=ResultsOut, summary="Search by an uploaded clip")
def similar_upload(
    request: Request,
    engine: EngineDep,
    filters: FiltersDep,
    file: Annotated[UploadFile, File(description="An audio clip; never stored in the library.")],
    k: K = 10,
) -> dict[str, Any]:
    """The files closest to an uploaded clip (decoded in a temp folder, then deleted)."""
    wave = decode_upload(file, engine.embedder.sample_rate, engine.max_upload_bytes)
    with engine.use() as lib:
        hits = query.similar(lib, engine.embedder, wave, k=k, filters=filters)
        return _results(request, engine, hits)


@router.post("/classify", response_model=ClassificationOut, summary="Zero-shot labels for a clip")
def classify_upload(
    engine: EngineDep,
    file: Annotated[UploadFile, File(description="An audio clip.")],
    labels: Annotated[str, Form(description='Comma-separated labels, e.g. "dog,cat,rain".')],
    template: Annotated[str | None, Form(description="Prompt with {label}.")] = None,
) -> dict[str, Any]:
    """Probabilities of the labels for the clip (softmax per window, averaged over the clip)."""
    wave = decode_upload(file, engine.embedder.sample_rate, engine.max_upload_bytes)
    with engine.use():
        probs = query.classify_wave(engine.embedder, wave, labels.split(","), template)
    best = max(probs, key=probs.__getitem__)
    return {"label": best, "score": probs[best], "scores": probs}


@router.get("/files/{file_id}", response_model=FileOut, summary="File metadata")
def file_metadata(request: Request, engine: EngineDep, file_id: FileId) -> dict[str, Any]:
    """Path, duration, format, sample rate, status and tags of one library file."""
    with engine.use() as lib:
        return _urls(request, catalog.file_info(lib, file_id))


@router.get("/status", summary="Library counts")
def status(engine: EngineDep) -> dict[str, Any]:
    """Files, failures, segments, hours, model and sizes on disk (as `clap-search status --json`)."""
    from clap_search.words.summary import words_status

    with engine.use() as lib:
        return {**lib.stats(max_failures=100).to_json(), "words": words_status(lib)}


@router.get("/facets", summary="Filter values")
def facets(engine: EngineDep) -> dict[str, Any]:
    """Folders, formats, sample rates, tags (with counts) and the duration range, for filter menus."""
    with engine.use() as lib:
        return catalog.facets(lib)


@router.get("/duplicates", summary="Duplicate groups")
def find_duplicates(
    engine: EngineDep,
    threshold: Annotated[float, Query(gt=0, le=1, description="Near: cosine >= this.")] = 0.95,
) -> dict[str, Any]:
    """Exact groups (same decoded audio) and near groups (similar vectors), as `clap-search duplicates`."""
    with engine.use() as lib:
        groups = duplicates.find_duplicates(lib, threshold)
    return {"threshold": threshold, "groups": [g.to_json() for g in groups]}


@router.get("/export", summary="Report of a search (CSV or JSON)", response_class=PlainTextResponse)
def export_report(
    engine: EngineDep,
    filters: FiltersDep,
    q: Annotated[str, Query(min_length=1)],
    k: K = 50,
    format: Annotated[Literal["csv", "json"], Query(alias="as")] = "csv",
) -> PlainTextResponse:
    """Path, score, time range and tags of the hits, as a download (like `clap-search export --csv`)."""
    with engine.use() as lib:
        rows = catalog.describe_hits(lib, query.search_text(lib, engine.embedder, q, k=k, filters=filters))
    body = export.csv_text(rows) if format == "csv" else export.json_text(rows)
    kind = "text/csv" if format == "csv" else "application/json"
    headers = {"Content-Disposition": f'attachment; filename="clap-search-results.{format}"'}
    return PlainTextResponse(body, media_type=kind, headers=headers)


@router.get("/waveform/{file_id}", name="waveform", response_model=PeaksOut, summary="Waveform peaks")
def waveform(engine: EngineDep, file_id: FileId) -> JSONResponse:
    """~200 peak values across the file, to draw a small waveform; cached."""
    with engine.use() as lib:
        duration = catalog.file_info(lib, file_id)["duration"]
    peaks = engine.media.peaks(file_id)
    body = {"file_id": file_id, "duration": duration, "peaks": peaks}
    return JSONResponse(body, headers={"Cache-Control": "private, max-age=3600"})


@media_router.get("/audio/{file_id:int}", name="audio", summary="Stream a library file (Range supported)")
def audio(engine: EngineDep, file_id: FileId) -> FileResponse:
    """The file's bytes by library id only; 206 partial content for Range requests. Formats that
    browsers cannot play (AIFF, WavPack, ...) come as a cached 16-bit WAV transcode."""
    path, kind = engine.media.playable(file_id)
    return FileResponse(path, media_type=kind, headers={"Cache-Control": "no-cache"})
