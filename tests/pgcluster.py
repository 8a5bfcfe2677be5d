"""A throw-away PostgreSQL + pgvector cluster for the tests: a temp folder, a free local port.

The server comes from $CLAP_SEARCH_TEST_POSTGRES (a URL: used as it is, nothing started), else
from the first PostgreSQL whose extension folder holds pgvector: Debian's packages
(`postgresql`, `postgresql-NN-pgvector`) or the binaries inside the `pgserver` wheel that the
`test` extra installs where Debian has no pgvector package. initdb refuses to run as root, so
as root the cluster belongs to `nobody`.
"""

from __future__ import annotations

import glob
import importlib.util
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

ENV_URL = "CLAP_SEARCH_TEST_POSTGRES"
DATABASE = "clap_test"


def _has_pgvector(bindir: Path) -> bool:
    candidates = [bindir.parent / "share" / "postgresql" / "extension" / "vector.control"]
    version = bindir.parent.name  # Debian: /usr/lib/postgresql/15/bin
    candidates.append(Path("/usr/share/postgresql") / version / "extension" / "vector.control")
    return (bindir / "initdb").exists() and any(c.exists() for c in candidates)


def find_server() -> Path | None:
    """The bin folder of a PostgreSQL with pgvector, or None."""
    places = sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    spec = importlib.util.find_spec("pgserver")  # located, not imported: its import has side effects
    if spec is not None and spec.submodule_search_locations:
        places.append(os.path.join(list(spec.submodule_search_locations)[0], "pginstall", "bin"))
    return next((Path(p) for p in places if _has_pgvector(Path(p))), None)


@dataclass
class Cluster:
    """A running throw-away cluster; `stop` removes it."""

    bindir: Path
    folder: Path
    port: int
    user: str | None  # the OS user that owns it (None: this one)

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{DATABASE}"

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self.user:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120)

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "immediate", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_cluster(bindir: Path) -> Cluster:
    """initdb, start on a free port (fsync off: it is thrown away) and create the test database."""
    folder = Path(tempfile.mkdtemp(prefix="clap-pg-"))
    user = "nobody" if os.geteuid() == 0 else None
    if user:
        shutil.chown(folder, user)
        reach = subprocess.run(["runuser", "-u", user, "--", "test", "-x", str(bindir / "initdb")])
        if reach.returncode:  # e.g. a virtualenv under /root: give `nobody` a copy it can run
            top = bindir.parent.parent  # pgserver/ (pginstall/bin); its libraries sit in pgserver.libs/
            for src in (top, top.with_name(top.name + ".libs")):
                if src.exists():
                    shutil.copytree(src, folder / "site" / src.name, symlinks=True)
            bindir = folder / "site" / top.name / bindir.parent.name / bindir.name
    cluster = Cluster(bindir, folder, _free_port(), user)
    data, log = str(folder / "data"), str(folder / "log")
    steps = [
        ("initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale"),
        ("pg_ctl", "-D", data, "-l", log, "-w", "-o",
         f"-p {cluster.port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off "
         "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200", "start"),
        ("psql", "-h", "127.0.0.1", "-p", str(cluster.port), "-U", "postgres", "-d", "postgres",
         "-c", f"CREATE DATABASE {DATABASE}"),
    ]
    for step in steps:
        done = cluster._run(*step)
        if done.returncode:
            cluster.stop()
            raise RuntimeError(f"{step[0]} failed: {(done.stderr or done.stdout).strip()[-500:]}")
    return cluster
