"""Where Tanpan keeps its files. Django-free: the import's worker processes ask too."""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def var_dir() -> Path:
    """Return the folder of the embedded database, the development secret key, static
    files, backups and caches: TANPAN_VAR_DIR, by default var/ in the project."""
    return Path(os.environ.get("TANPAN_VAR_DIR", BASE_DIR / "var"))
