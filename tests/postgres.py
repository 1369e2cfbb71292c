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
from pathlib import Path

from waiting import free_port, wait_for


def binaries():
    """The folder of initdb and pg_ctl, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


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
    port = free_port()
    subprocess.run(as_user + [str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U",
                              "grader", "--no-sync"], check=True, capture_output=True)
    subprocess.run(as_user + [str(bin_dir / "pg_ctl"), "-D", str(data), "-w", "-l",
                              str(data / "server.log"), "-o",
                              f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off",
                              "start"], check=True, capture_output=True)
    try:
        def accepting():
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return True
            except OSError:
                return False
        if not wait_for(accepting):
            raise RuntimeError(f"PostgreSQL did not accept connections on port {port}")
        subprocess.run([str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U",
                        "grader", "gradebook"], check=True, capture_output=True)
        yield f"postgresql://grader@127.0.0.1:{port}/gradebook"
    finally:
        subprocess.run(as_user + [str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate",
                                  "stop"], capture_output=True)
        shutil.rmtree(folder / "pgdata", ignore_errors=True)
        shutil.rmtree(folder / "pgsockets", ignore_errors=True)
