"""How many threads each stage gets, so that decoding, torch, BLAS and FAISS never fight over cores.

Left alone, every pool sizes itself to the whole machine: decode workers, torch's intra-op
threads, numpy's OpenBLAS and FAISS's OpenMP each want every core, and on a busy machine their
spinning threads wait on each other (scripts/bench_index.py --background-load, in the README).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

# Read by OpenMP, OpenBLAS and MKL when they load: libraries imported after limit_threads()
# start with the limit; those already loaded are limited through threadpoolctl.
THREAD_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity, e.g. under taskset or a container's cpuset)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not on Linux
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class ThreadPlan:
    """Threads for indexing: `compute` for the model and the index, `decode` worker threads, and
    `words` for the words stage's text tower, which runs after decoding is done."""

    compute: int
    decode: int
    words: int = 1


def plan_index_threads(threads: int | None = None) -> ThreadPlan:
    """Split `threads` (default: the available cores) so that decode + compute never exceed it.

    The model is most of the work (see the README's profile), so it gets the larger share; one
    decode worker keeps it fed on two cores, and one more per four cores beyond that.
    """
    total = max(1, threads or available_cores())
    if total == 1:
        return ThreadPlan(compute=1, decode=1, words=1)  # a decode thread mostly waits on the disk
    decode = max(1, total // 4)
    return ThreadPlan(compute=total - decode, decode=decode, words=total)


def limit_threads(n: int) -> None:
    """Cap this process's compute pools at `n` threads: torch, OpenMP (FAISS), BLAS (numpy)."""
    n = max(1, int(n))
    for name in THREAD_ENV:
        os.environ[name] = str(n)
    if "torch" in sys.modules:  # never import torch just to limit it
        torch = sys.modules["torch"]
        torch.set_num_threads(n)
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=n)  # BLAS and OpenMP libraries already loaded
