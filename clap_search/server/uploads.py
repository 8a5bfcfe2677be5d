"""Uploaded clips: a size limit enforced while the body arrives, decoding in a temp folder."""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

import numpy as np
from fastapi import UploadFile
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from clap_search.audio import load_audio
from clap_search.errors import AudioReadError, UploadTooLargeError, UsageError

DEFAULT_MAX_UPLOAD_BYTES = 50 * 1024 * 1024
# Multipart framing around the file: headers, boundary lines and the small form fields.
FORM_OVERHEAD_BYTES = 64 * 1024
SAFE_SUFFIX = re.compile(r"\.[a-z0-9]{1,8}")
COPY_CHUNK = 1 << 20


def too_large(limit: int) -> UploadTooLargeError:
    return UploadTooLargeError(f"upload too large: the limit is {limit // (1024 * 1024)} MB per clip")


class BodyLimit:
    """ASGI middleware: refuse a request body over the limit before it is parsed or spooled."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes + FORM_OVERHEAD_BYTES
        self.limit = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT"):
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await _refuse(send, self.limit)
            return
        seen = 0

        async def counting() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:  # chunked bodies say no length up front
                # an HTTPException: FastAPI passes it on instead of calling it a parse error
                raise HTTPException(413, detail=str(too_large(self.limit)))
            return message

        await self.app(scope, counting, send)


async def _refuse(send: Send, limit: int) -> None:
    body = json.dumps({"error": str(too_large(limit))}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json"), (b"connection", b"close")],
        }
    )
    await send({"type": "http.response.body", "body": body})


def decode_upload(upload: UploadFile, sample_rate: int, max_bytes: int) -> np.ndarray:
    """The clip as mono float32 at `sample_rate`; decoded in a temp folder that is then deleted."""
    suffix = Path(upload.filename or "").suffix.lower()
    name = "clip" + (suffix if SAFE_SUFFIX.fullmatch(suffix) else "")
    with tempfile.TemporaryDirectory(prefix="clap-search-upload-") as tmp:
        target = Path(tmp) / name
        written = 0
        with open(target, "wb") as out:
            while chunk := upload.file.read(COPY_CHUNK):
                written += len(chunk)
                if written > max_bytes:
                    raise too_large(max_bytes)
                out.write(chunk)
        if written == 0:
            raise UsageError("the uploaded file is empty: drop an audio file")
        try:
            wave, _ = load_audio(target, sample_rate)
        except AudioReadError as exc:  # say which upload, never where the server keeps it
            reason = str(exc).replace(f"{target}: ", "").replace(str(target), "the upload")
            reason = reason.replace(tmp, "the upload folder")
            raise AudioReadError(f"the uploaded file {upload.filename or ''!r}: {reason}") from None
    return wave
