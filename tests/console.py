"""The installed `clap-search` console script in a subprocess, as a user's shell runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_cli(*args: object, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    exe = Path(sys.executable).parent / "clap-search"
    return subprocess.run([str(exe), *map(str, args)], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **env})
