"""The embedded PostgreSQL used when DATABASE_URL is unset.

One server per checkout, its data in var/postgres/, started on first use and left
running so that runserver, its reloader, manage.py commands and the tests all share it.
"""

import fcntl
import json
import os
import warnings
from pathlib import Path

DATABASE_NAME = "tanpan"


def embedded_database(var_dir: Path) -> dict[str, str]:
    """Return Django connection parameters for the embedded server, starting it if needed."""
    pgserver = _pgserver()
    var_dir.mkdir(parents=True, exist_ok=True)
    # pgserver takes its own lock while it starts the server; ours also covers creating
    # the database, which two processes starting at once (runserver + reloader) could race.
    with open(var_dir / ".postgres.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        _repair_handle_list(var_dir / "postgres" / ".handle_pids.json")
        server = pgserver.get_server(var_dir / "postgres", cleanup_mode=None)
        info = server.get_postmaster_info()
        socket_dir = str(info.socket_dir) if info.socket_dir else str(var_dir / "postgres")
        _ensure_database(socket_dir, info.port or 5432)
    return {"HOST": socket_dir, "PORT": str(info.port or 5432), "USER": "postgres"}


def stop_embedded_server(var_dir: Path) -> bool:
    """Stop the embedded server if it is running; return whether it was.

    pgserver stops a server itself only when the last process it knows of lets go, and
    it knows of every process that ever attached: one that was killed (the import test
    kills one on purpose) stays on its list for good. So the server is stopped with
    pg_ctl, as pgserver would: as the system user it runs the server under (pgserver,
    when we are root). Clients still connected are disconnected.
    """
    data = var_dir / "postgres"
    if not (data / "postmaster.pid").exists():
        return False
    pgserver = _pgserver()
    user = "pgserver" if os.geteuid() == 0 else None  # pgserver.PostgresServer's choice
    pgserver.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=data, user=user)
    (data / ".handle_pids.json").write_text("[]")  # no process is attached any more
    return True


def _pgserver():  # -> the pgserver module
    # Imported when needed: production (DATABASE_URL set) never needs it. platformdirs
    # warns on import when XDG_RUNTIME_DIR is unset (CI, containers); its fallback under
    # /tmp is fine for pgserver's lock file.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver

    return pgserver


def _repair_handle_list(path: Path) -> None:
    """Reset pgserver's list of client processes when a killed process left it unreadable.

    pgserver rewrites this JSON file as processes start and exit; a process killed in the
    middle leaves it empty, and every later start would fail parsing it. We never let
    pgserver stop the server (cleanup_mode=None), so the list carries nothing we need.
    """
    try:
        json.loads(path.read_text())
    except FileNotFoundError:
        return
    except (ValueError, OSError):
        path.write_text("[]")


def _ensure_database(socket_dir: str, port: int) -> None:
    """Create the application database on the embedded server when it is missing."""
    import psycopg

    with psycopg.connect(
        host=socket_dir, port=port, user="postgres", dbname="postgres", autocommit=True
    ) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE_NAME,)
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
