"""A throwaway PostgreSQL server for the SQL tests: Debian's ``postgresql`` (``make postgres``
installs it), a data folder in a temporary folder, a free port on 127.0.0.1 only, password
authentication, stopped and removed when the ``with`` block ends.

PostgreSQL refuses to run as root: as root (CI), ``initdb`` and ``pg_ctl`` run as the
``postgres`` user the Debian package creates, and the folder is handed to that user.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

USER = "okrlib"


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    user: str
    password: str
    database: str = "postgres"

    def url(self, password: str | None = None) -> str:
        return f"postgres://{self.user}:{password or self.password}@{self.host}:{self.port}/{self.database}"


def bindir() -> Path | None:
    """The newest installed PostgreSQL's ``bin`` folder (Debian's layout), else None."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def postgres_server() -> Iterator[Server]:
    """Start a server, yield how to reach it, stop it and remove its folder."""
    binaries = bindir()
    if binaries is None:
        raise FileNotFoundError("PostgreSQL is not installed (make postgres installs Debian's postgresql)")
    folder = Path(tempfile.mkdtemp(prefix="okrlib-pg-"))
    data, log = folder / "data", folder / "server.log"
    password = secrets.token_hex(12)
    (folder / "pwfile").write_text(password + "\n")
    prefix: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses root: run it as the postgres user
        owner = pwd.getpwnam("postgres")
        for path in (folder, folder / "pwfile"):
            os.chown(path, owner.pw_uid, owner.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    run = {"check": True, "capture_output": True, "text": True, "cwd": folder}
    port = _free_port()
    started = False
    try:
        subprocess.run(
            [
                *prefix,
                str(binaries / "initdb"),
                "-D",
                str(data),
                "-U",
                USER,
                "--pwfile",
                str(folder / "pwfile"),
                "--auth",
                "scram-sha-256",
                "--no-sync",
                "--encoding",
                "UTF8",
                "--no-locale",
            ],
            **run,
        )
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories='{folder}' "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        subprocess.run(
            [
                *prefix,
                str(binaries / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(log),
                "-o",
                options,
                "-w",
                "start",
            ],
            **run,
        )
        started = True
        yield Server("127.0.0.1", port, USER, password)
    finally:
        if started:
            subprocess.run(
                [*prefix, str(binaries / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
                check=False,
                capture_output=True,
                cwd=folder,
            )
        shutil.rmtree(folder, ignore_errors=True)
