"""The FastAPI app: one open library and one warm model, shared by every request."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline

from clap_search import __version__
from clap_search.server import api, responses
from clap_search.server.engine import Engine, load_engine
from clap_search.server.uploads import DEFAULT_MAX_UPLOAD_BYTES, BodyLimit

WEB = Path(str(resources.files("clap_search.server") / "web"))
DESCRIPTION = """Search a sound library by text and by sound.

* `GET /api/search?q=TEXT&k=N` answers `{"results": [hit, ...]}` best first; every hit has
  `path`, `score`, `start`, `end` (seconds) and `audio_url`, plus `file_id`, `duration`,
  `folder`, `name`, `sample_rate`, `format` and `tags` (the CLI's `--json` fields and more).
* Audio is streamed by file id only (`/audio/{file_id}`, with HTTP range requests), and only
  from inside the folders the library indexed.
* Errors are `{"error": "..."}` with a fitting status code.
"""


def create_app(
    library_dir: str | Path | None = None,
    model_name: str | None = None,
    device: str = "cpu",
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
    engine: Engine | None = None,
) -> FastAPI:
    """The app for one library; pass `engine` to share an already loaded model (tests do)."""
    engine = engine or load_engine(library_dir, model_name, device, max_upload_bytes)
    # /docs and /redoc load Swagger UI and ReDoc from files inside fastapi-offline, not from a CDN,
    # so the API docs work without a network; the validator badge would call swagger.io: off.
    app = FastAPIOffline(
        title="clap-search",
        version=__version__,
        description=DESCRIPTION,
        swagger_ui_parameters={"validatorUrl": None},
    )
    app.state.engine = engine
    responses.install(app)
    app.include_router(api.router)
    app.include_router(api.media_router)
    app.mount("/static", StaticFiles(directory=WEB), name="static")

    @app.get("/", include_in_schema=False)
    def page(request: Request) -> FileResponse:
        return FileResponse(WEB / "index.html", media_type="text/html")

    app.add_middleware(BodyLimit, max_bytes=engine.max_upload_bytes)
    return app
