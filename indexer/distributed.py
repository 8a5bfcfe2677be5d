"""Stages 2 and 3 on a Ray cluster: each file is decoded and embedded by a Ray task.

The driver (pipeline.py) still scans, plans, writes, draws the progress bar and resumes; only
decode + embed move to the workers, which run the very functions the local indexer runs
(decode.decode_one, embed.embed_one), so the vectors are the same. Every worker reads the files
and the model from the same paths as the driver: on a cluster of several machines they must be
on a shared mount. Ray retries a task whose worker died (max_retries), so a killed worker costs
a file's work, not the run. Nothing here is imported unless `--ray` is given.
"""

from __future__ import annotations

import socket
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from clap_search.errors import ClusterError
from clap_search.indexer.decode import Decoded
from clap_search.indexer.scan import Candidate

TASK_RETRIES = 3
CONNECT_TIMEOUT_S = 5
IN_FLIGHT_PER_CPU = 2  # tasks queued per cluster CPU: enough to hide latency, little memory held


@dataclass(frozen=True)
class RayOptions:
    """Where to run and what each worker loads: `address` is auto, local or a cluster address."""

    address: str
    model: str
    device: str = "cpu"


def connect(address: str) -> Any:
    """ray, initialised: `auto` joins the running cluster, `local` starts one on this machine."""
    try:
        import ray
    except ImportError:
        raise ClusterError("--ray needs Ray: pip install 'clap-search[ray]'") from None
    if ray.is_initialized():
        return ray
    if address not in ("auto", "local"):
        _check_reachable(address)  # ray.init retries an unreachable address for minutes
    try:
        if address == "local":
            ray.init(include_dashboard=False, log_to_driver=False, configure_logging=False)
        else:
            ray.init(address=address, log_to_driver=False, configure_logging=False)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise ClusterError(f"cannot join the Ray cluster at {address!r}: {str(exc).splitlines()[0]} "
                           "(start one with `ray start --head`, or use --ray local)") from None
    return ray


def _check_reachable(address: str) -> None:
    host, _, port = address.split("://", 1)[-1].rpartition(":")
    try:
        socket.create_connection((host or "127.0.0.1", int(port)), timeout=CONNECT_TIMEOUT_S).close()
    except (OSError, ValueError) as exc:
        raise ClusterError(f"cannot join the Ray cluster at {address!r}: {exc} "
                           "(give HOST:PORT of its head, ray://HOST:10001, auto or local)") from None


_EMBEDDERS: dict[tuple[str, str], Any] = {}


def decode_and_embed(
    candidate: Candidate, options: RayOptions, sample_rate: int, max_seconds: float,
    vanished: dict[str, int] | None,
) -> Decoded:
    """One file, in a worker: what decode_all + embed_one do for it locally (the model loads once)."""
    from clap_search.embed import Embedder
    from clap_search.indexer import decode
    from clap_search.indexer.embed import embed_one
    from clap_search.indexer.noise import DecoderNoise
    from clap_search.threads import limit_threads

    key = (options.model, options.device)
    if key not in _EMBEDDERS:
        limit_threads(1)  # one task per CPU that Ray hands out
        _EMBEDDERS[key] = Embedder.load(options.model, device=options.device)
    with DecoderNoise() as noise:
        item = decode.decode_one(candidate, sample_rate, vanished, noise, max_seconds)
    return embed_one(_EMBEDDERS[key], item)


def decode_embed_all(
    candidates: Iterable[Candidate], options: RayOptions, sample_rate: int, max_seconds: float,
    vanished: dict[str, int],
) -> Iterator[Decoded]:
    """Decoded and embedded files in the order they finish, a bounded number in flight."""
    ray = connect(options.address)
    task = ray.remote(num_cpus=1, max_retries=TASK_RETRIES)(decode_and_embed)
    in_flight = max(2, IN_FLIGHT_PER_CPU * int(ray.cluster_resources().get("CPU", 1)))
    pending: dict[Any, Candidate] = {}
    todo = iter(candidates)

    def submit(cand: Candidate, moves: dict[str, int] | None) -> None:
        pending[task.remote(cand, options, sample_rate, max_seconds, moves)] = cand

    def fill() -> None:
        while len(pending) < in_flight and (cand := next(todo, None)) is not None:
            submit(cand, dict(vanished))

    fill()
    try:
        while pending:
            (ref,), _ = ray.wait(list(pending), num_returns=1)
            cand = pending.pop(ref)
            try:
                item = ray.get(ref)
            except ray.exceptions.RayError as exc:  # retries spent: this file fails, the run goes on
                item = Decoded(cand, error=f"ray task failed ({type(exc).__name__})")
            if item.moved_from is not None:
                # a worker saw a vanished file's hash; only the first copy to arrive is the move
                if vanished.get(item.content_hash or "") == item.moved_from:
                    del vanished[item.content_hash or ""]
                else:
                    submit(cand, None)
                    continue
            fill()
            yield item
    finally:
        for ref in pending:
            ray.cancel(ref, force=True)
