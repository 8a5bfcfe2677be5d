"""What every request shares: the open library, the warm model, the media helper, one lock."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import Request

from clap_search.embed import Embedder
from clap_search.factory import DEFAULT_MODEL
from clap_search.library import Library
from clap_search.server.media import MediaFiles
from clap_search.server.uploads import DEFAULT_MAX_UPLOAD_BYTES
from clap_search.threads import limit_threads


@dataclass
class Engine:
    """What requests share; `lock` serialises model and index use (both are fast, neither is shared-safe)."""

    library: Library
    embedder: Embedder
    media: MediaFiles
    max_upload_bytes: int
    lock: threading.Lock = field(default_factory=threading.Lock)

    @contextmanager
    def use(self) -> Iterator[Library]:
        """The library, its index reloaded first if an indexer changed it since the last request."""
        with self.lock:
            self.library.refresh()
            yield self.library


def load_engine(
    library_dir: str | Path | None,
    model_name: str | None = None,
    device: str = "cpu",
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
) -> Engine:
    """Open the library and load its model once (fails early on a model mismatch)."""
    # Requests take the lock one at a time and each is one query: a second compute thread
    # would only wait on the first (README, Benchmarks: warm queries under load).
    limit_threads(1)
    library = Library.open(library_dir)
    recorded = library.model()
    embedder = Embedder.load(model_name or (recorded.name if recorded else DEFAULT_MODEL), device=device)
    library.check_model(embedder.identity)
    if recorded is not None:
        library.store  # noqa: B018 - load the index now, not on the first query
    return Engine(library, embedder, MediaFiles(library), max_upload_bytes)


def engine(request: Request) -> Engine:
    """FastAPI dependency: the app's engine."""
    return request.app.state.engine
