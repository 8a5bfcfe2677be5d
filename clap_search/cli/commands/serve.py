"""`clap-search serve`: the search page and HTTP API on localhost, with the model kept warm."""

from __future__ import annotations

import errno
import socket
from typing import Annotated

import typer

from clap_search.cli import render
from clap_search.cli.options import DEFAULT_DEVICE, DeviceOpt, LibraryOpt, ModelOpt, VerboseOpt


def serve(
    host: Annotated[
        str,
        typer.Option(
            "--host", metavar="ADDRESS", help="Address to listen on (keep 127.0.0.1 unless you mean it)."
        ),
    ] = "127.0.0.1",
    port: Annotated[
        int, typer.Option("--port", metavar="PORT", min=0, max=65535, help="Port to listen on.")
    ] = 8000,
    max_upload_mb: Annotated[
        int,
        typer.Option(
            "--max-upload-mb", metavar="MB", min=1, help="Largest clip accepted for search by sound."
        ),
    ] = 50,
    library: LibraryOpt = None,
    model: ModelOpt = None,
    device: DeviceOpt = DEFAULT_DEVICE,
    verbose: VerboseOpt = False,
) -> None:
    """Serve the search page and JSON API: search, listen, more like this, filters, drop a file.

    Open the address it prints in a browser.

    The API is documented at /docs (OpenAPI at /openapi.json). Audio is streamed by file id only,
    from inside the indexed folders. Stop with Ctrl-C.

    \b
    Example: clap-search serve --library ~/sounds-lib --port 8000
    """
    import uvicorn

    from clap_search.server.app import create_app

    sock = bind(host, port)  # before anything is claimed: a taken port is one error line
    try:
        app = create_app(library, model, device, max_upload_bytes=max_upload_mb * 1024 * 1024)
        bound_port = sock.getsockname()[1]
        url_host = f"[{host}]" if ":" in host else host
        render.stderr().print(
            f"clap-search: serving {app.state.engine.library.location} on http://{url_host}:{bound_port}/",
            markup=False,
        )
        config = uvicorn.Config(app, log_level="info" if verbose else "warning")
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()


def bind(host: str, port: int) -> socket.socket:
    """A socket bound to host:port, or ListenError saying why not and what to try."""
    from clap_search.errors import ListenError

    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as exc:
        raise ListenError(f"cannot listen on {host}: {exc.strerror} (try --host 127.0.0.1)") from None
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # what uvicorn does: restarts reuse TIME_WAIT
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            other = port + 1 if 0 < port < 65535 else 8000
            raise ListenError(f"port {port} on {host} is in use: try another, e.g. --port {other}") from None
        if exc.errno == errno.EACCES:
            raise ListenError(f"no permission to listen on port {port}: try --port 8000") from None
        raise ListenError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    return sock
