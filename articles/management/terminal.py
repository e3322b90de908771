"""What the article commands share at the terminal: progress bars, printable names."""

import getpass
import sys
from collections.abc import Callable
from typing import Protocol


class Progress(Protocol):
    def update(self, n: int = 1) -> object: ...

    def close(self) -> None: ...


class _Silent:
    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def progress_bar(
    *, quiet: bool, desc: str, unit: str, total: Callable[[], int] | None = None
) -> Progress:
    """Return a tqdm bar on stderr when it is a terminal and not quiet; else one that is silent.

    total is called only for a bar that shows: counting may cost a query.
    """
    if quiet or not sys.stderr.isatty():
        return _Silent()
    from tqdm import tqdm

    return tqdm(
        total=total() if total else None, unit=unit, desc=desc, dynamic_ncols=True, file=sys.stderr
    )


def printable(text: str) -> str:
    """Return text with control, bidi and other invisible characters escaped (\\x1b).

    File names and article text come from the dump: an escape sequence in one must not
    clear or retitle the terminal, nor a bidi override reverse the line it is printed on.
    """
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


def system_user() -> str:
    """Return the name of the system user running the command, or ""."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""
