"""A throwaway PostgreSQL server for the tests: a real `initdb` cluster, started with `pg_ctl`.

`server(folder)` is a context manager giving the URL of an empty database on 127.0.0.1 and a free
port.  The cluster's files belong to an unprivileged user (`postgres` when the tests run as root,
as PostgreSQL refuses to run as root; the current user otherwise) and are removed afterwards.
Debian's PostgreSQL 15 (`scripts/setup.sh` installs it) lives in /usr/lib/postgresql/15/bin.
"""
import contextlib
import glob
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path


def binaries():
    """The folder of initdb and pg_ctl, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def server(folder):
    bin_dir = binaries()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL is not installed (scripts/setup.sh installs postgresql)")
    folder = Path(folder)
    data, sockets = folder / "pgdata", folder / "pgsockets"
    as_user = []
    if os.geteuid() == 0:
        as_user = ["runuser", "-u", "postgres", "--"]
        folder.mkdir(parents=True, exist_ok=True)
        os.chmod(folder, 0o755)
        for parent in folder.parents:    # the postgres user must reach the folder
            if parent == Path("/"):
                break
            os.chmod(parent, os.stat(parent).st_mode | 0o111)
    for path in (data, sockets):
        path.mkdir(parents=True, exist_ok=True)
        if as_user:
            shutil.chown(path, "postgres", "postgres")
    port = _free_port()
    subprocess.run(as_user + [str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U",
                              "grader", "--no-sync"], check=True, capture_output=True)
    subprocess.run(as_user + [str(bin_dir / "pg_ctl"), "-D", str(data), "-w", "-l",
                              str(data / "server.log"), "-o",
                              f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off",
                              "start"], check=True, capture_output=True)
    try:
        url = f"postgresql://grader@127.0.0.1:{port}/postgres"
        deadline = time.monotonic() + 300            # waits for the server; only a hang reaches this
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        subprocess.run([str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U",
                        "grader", "gradebook"], check=True, capture_output=True)
        yield f"postgresql://grader@127.0.0.1:{port}/gradebook"
    finally:
        subprocess.run(as_user + [str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate",
                                  "stop"], capture_output=True)
        shutil.rmtree(folder / "pgdata", ignore_errors=True)
        shutil.rmtree(folder / "pgsockets", ignore_errors=True)
