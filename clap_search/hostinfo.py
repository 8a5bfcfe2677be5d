"""One line describing the machine, printed beside every benchmark and evaluation figure."""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path

from clap_search.threads import available_cores


def describe_machine() -> str:
    """CPU, cores (and how many this process may use), load, torch's threads and GPU if loaded."""
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()) if hasattr(os, "getloadavg") else ""
    cores = f"{os.cpu_count()} cores ({available_cores()} usable)"
    line = f"{cpu}, {cores}{load}, Python {platform.python_version()}"
    torch = sys.modules.get("torch")  # a benchmark without torch (a text query) must not pay for it
    if torch is not None:
        gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
        line += f", torch {torch.__version__} with {torch.get_num_threads()} threads, {gpu}"
    return line
