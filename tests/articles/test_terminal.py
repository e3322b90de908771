"""What the article commands show at the terminal: progress bars and escaped names."""

import io
import sys

from articles.management.terminal import printable, progress_bar


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def never_called() -> int:
    raise AssertionError("counted for a bar that does not show")


def test_a_bar_shows_on_a_terminal_with_its_total(monkeypatch):
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    bar = progress_bar(quiet=False, desc="rescanning", unit=" articles", total=lambda: 40)
    bar.update(10)
    bar.close()
    assert "rescanning" in terminal.getvalue() and "10/40" in terminal.getvalue()


def test_no_bar_and_no_count_when_quiet_or_not_a_terminal(monkeypatch):
    monkeypatch.setattr(sys, "stderr", FakeTerminal())
    progress_bar(quiet=True, desc="x", unit="", total=never_called).update(1)
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    bar = progress_bar(quiet=False, desc="x", unit="", total=never_called)
    bar.update(1)
    bar.close()
    assert sys.stderr.getvalue() == ""


def test_names_are_printed_with_control_and_bidi_characters_escaped():
    assert printable("a\x1b[2Jb\u202ec.txt") == "a\\x1b[2Jb\\u202ec.txt"
