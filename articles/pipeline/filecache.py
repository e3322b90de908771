"""Derived data kept in files between processes, in cache/ of the var folder.

A value is valid for the key it was built for (what it derives from: a dictionary file's
size and time, the code's hash, the words asked for); built again and the file replaced
otherwise. A cache that cannot be read or written only costs the time it would have saved.
"""

import hashlib
import json
import logging
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from config.paths import var_dir


def cache_dir() -> Path:
    """Return where derived data is cached: cache/ in the var folder (TANPAN_VAR_DIR)."""
    return var_dir() / "cache"


def cached[T](name: str, key: list, build: Callable[[], Any], parse: Callable[[Any], T]) -> T:
    """Return parse(build()), with build()'s JSON value read from cache/name when it is
    there for the same key (parse failing with ValueError, KeyError or TypeError counts
    as not there)."""
    digest = hashlib.sha256(json.dumps(key, ensure_ascii=False).encode()).hexdigest()
    path = cache_dir() / name
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data["key"] == digest:
            return parse(data["value"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    value = build()
    _write(path, {"key": digest, "value": value})
    return parse(value)


def file_key(path: Path) -> list:
    """Return what identifies a file's version cheaply: its path, size and time."""
    stat = path.stat()
    return [str(path), stat.st_size, stat.st_mtime_ns]


def _write(path: Path, data: dict) -> None:
    aside = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # written aside, then renamed: a process reading meanwhile sees all or nothing
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=path.parent, suffix=".tmp", delete=False
        ) as file:
            aside = Path(file.name)
            json.dump(data, file, ensure_ascii=False)
        aside.chmod(0o644)  # readable by the web server and the importer alike
        aside.replace(path)
    except OSError as error:
        logging.getLogger(__name__).info("not caching %s: %s", path.name, error)
        if aside is not None:
            aside.unlink(missing_ok=True)
