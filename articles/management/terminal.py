"""What the article commands share at the terminal: progress bars, printable names."""

import getpass
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Protocol, TextIO

from django.core.management.base import CommandError


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


class Terminated(KeyboardInterrupt):
    """SIGTERM (systemd, docker stop, timeout), taken as Ctrl-C is: the work stops cleanly."""


def _terminate(signum: int, frame: object) -> None:
    raise Terminated


@contextmanager
def closing_on_interrupt(progress: Progress, stderr: TextIO, message: str) -> Iterator[None]:
    """Within: Ctrl-C or SIGTERM closes the bar, says message and exits with status 130 (or
    143, SIGTERM's); then closes it."""
    # Python takes signals in the main thread only: a command run from another thread
    # (a job runner) keeps whatever SIGTERM does there.
    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminate) if main else None
    try:
        yield
    except KeyboardInterrupt as interruption:
        progress.close()
        stderr.write(message)
        if isinstance(interruption, Terminated):
            raise CommandError("terminated", returncode=143) from None
        raise CommandError("interrupted", returncode=130) from None
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    progress.close()


def summary(title: str, seconds: float, rows: list[tuple[str, int]], width: int) -> list[str]:
    """Return the lines of a command's summary: what finished, how fast, a table of counts."""
    return [f"{title} finished in {seconds:.1f} s"] + [
        f"  {label:<{width}}{count:>8}" for label, count in rows
    ]
