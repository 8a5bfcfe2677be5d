"""`clap-search serve`: the search page and HTTP API on localhost, with the model kept warm."""

from __future__ import annotations

from typing import Annotated

import typer

from clap_search.cli import render
from clap_search.cli.options import DeviceOpt, LibraryOpt, ModelOpt, VerboseOpt


def serve(
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on (keep 127.0.0.1 unless you mean it).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port to listen on.")] = 8000,
    max_upload_mb: Annotated[
        int, typer.Option("--max-upload-mb", min=1, help="Largest clip accepted for search by sound.")
    ] = 50,
    library: LibraryOpt = None,
    model: ModelOpt = None,
    device: DeviceOpt = "cpu",
    verbose: VerboseOpt = False,
) -> None:
    """Open the library in the browser: search, listen, more like this, filters, drop a file.

    The API is documented at /docs (OpenAPI at /openapi.json). Audio is streamed by file id only,
    from inside the indexed folders. Stop with Ctrl-C.

    Example: clap-search serve --library ~/sounds-lib --port 8000
    """
    import uvicorn

    from clap_search.server.app import create_app

    app = create_app(library, model, device, max_upload_bytes=max_upload_mb * 1024 * 1024)
    render.stderr().print(f"clap-search: serving {app.state.engine.library.root} on http://{host}:{port}/")
    uvicorn.run(app, host=host, port=port, log_level="info" if verbose else "warning")
