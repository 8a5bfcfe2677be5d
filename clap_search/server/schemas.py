"""Response shapes, for the OpenAPI document at /docs (extra keys are allowed everywhere)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class TagOut(Open):
    label: str
    score: float


class HitOut(Open):
    path: str = Field(description="Absolute path of the file on the server.")
    score: float = Field(description="Higher is closer: the best window's cosine (audio mode, similar), "
                         "or the hybrid score whose parts are in `explain`.")
    start: float = Field(description="Start of the matching window, seconds into the file.")
    end: float = Field(description="End of the matching window, seconds.")
    audio_url: str = Field(description="Streams the file (supports HTTP Range).")
    waveform_url: str = Field(description="Peaks for a small waveform image.")
    file_id: int
    segment_id: int
    duration: float | None = None
    folder: str | None = None
    name: str | None = None
    sample_rate: int | None = None
    channels: int | None = None
    format: str | None = None
    tags: list[TagOut] = []
    words: dict[str, Any] = Field(default={}, description="What the file says about itself: title, "
                                  "description, keywords, category, ucs, name and folder words.")
    explain: dict[str, Any] | None = Field(default=None, description="Hybrid ranking: audio, audio_z, "
                                           "lexical, expanded (credit of a library word meaning the query), "
                                           "expanded_word, semantic, semantic_credit, propagated, "
                                           "propagated_from, feedback (sounds like the files whose "
                                           "words match), borrowed (propagated and feedback, capped).")


class ResultsOut(Open):
    results: list[HitOut] = Field(description="Best first.")


class ClassificationOut(Open):
    label: str
    score: float
    scores: dict[str, float] = Field(description="Probability of every label (they sum to 1).")


class FileOut(Open):
    file_id: int
    path: str
    folder: str
    name: str
    duration: float | None
    sample_rate: int | None
    format: str | None
    status: str
    tags: list[TagOut]
    audio_url: str


class PeaksOut(Open):
    file_id: int
    duration: float | None
    peaks: list[float] = Field(description="Max |amplitude| (0..1) in equal slices across the file.")


class ErrorOut(BaseModel):
    error: str


ERRORS = {code: {"model": ErrorOut} for code in (400, 403, 404, 413, 422, 503)}
