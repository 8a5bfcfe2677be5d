"""Errors as JSON `{"error": ...}` with fitting status codes, and a plain 404 page for people."""

from __future__ import annotations

import html
import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException

from clap_search import errors

log = logging.getLogger(__name__)

STATUS = {
    errors.UsageError: 400,
    errors.NotFoundError: 404,
    errors.OutsideLibraryError: 403,
    errors.AudioReadError: 422,
    errors.UploadTooLargeError: 413,
    errors.ModelMismatchError: 409,
    errors.LibraryLockedError: 409,
    errors.LibraryNotFoundError: 503,
}

NOT_FOUND_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Not found · clap-search</title><link rel="stylesheet" href="/static/style.css"></head>
<body class="plain"><main class="notfound"><h1>Not found</h1>
<p>Nothing lives at <code>{path}</code>.</p><p><a href="/">Back to search</a> ·
<a href="/docs">API documentation</a></p></main></body></html>"""


def status_of(exc: errors.ClapSearchError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 500


def error_json(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _wants_json(request: Request) -> bool:
    path = request.url.path
    return path.startswith(("/api/", "/audio/")) or "text/html" not in request.headers.get("accept", "")


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(x) for x in err.get("loc", ()) if x not in ("query", "body", "path"))
        parts.append(f"{where}: {err.get('msg', 'invalid')}" if where else str(err.get("msg")))
    return "; ".join(parts) or "invalid request"


def install(app: FastAPI) -> None:
    """Register the handlers; every error the API gives has the same JSON shape."""

    @app.exception_handler(errors.ClapSearchError)
    async def _typed(request: Request, exc: errors.ClapSearchError) -> Response:
        return error_json(status_of(exc), str(exc))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        return error_json(422, _validation_message(exc))

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 404 and not _wants_json(request):
            page = NOT_FOUND_PAGE.format(path=html.escape(request.url.path))
            return HTMLResponse(page, status_code=404)
        message = "not found" if exc.status_code == 404 else str(exc.detail)
        return JSONResponse({"error": message}, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception) -> Response:
        log.exception("error serving %s", request.url.path)
        return error_json(500, f"internal error ({type(exc).__name__}); run with -v for details")
