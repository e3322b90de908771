"""Walk import paths (files, folders, zip and tar archives, JSON Lines) lazily.

Yields one Source per article, or a SourceError naming the file and the reason it was
skipped. Nothing is extracted to disk: archive members are read into memory one at a
time, capped at the article size limit, so a hostile archive cannot write anywhere or
exhaust memory.
"""

import json
import tarfile
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from articles.pipeline.decode import MAX_BYTES

JSONL_SUFFIXES = (".jsonl", ".ndjson")
JSONL_FIELDS = ("text", "title", "url", "outlet", "published")
# Files that archivers and desktops leave behind; never articles.
IGNORED_NAMES = {".DS_Store", "Thumbs.db", "desktop.ini"}


@dataclass(frozen=True, slots=True)
class Source:
    """One article's input: bytes to decode, or text already decoded (JSON Lines)."""

    name: str
    data: bytes | None = None
    text: str | None = None
    meta: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SourceError:
    """A file or record that could not be read, and why."""

    name: str
    reason: str


def iter_sources(paths: Iterable[Path]) -> Iterator[Source | SourceError]:
    """Yield a Source per article found under paths, or a SourceError per unreadable one."""
    for path in paths:
        if not path.exists():
            yield SourceError(str(path), "no such file or directory")
        elif path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and not _ignored(child.relative_to(path)):
                    yield from _iter_file(child)
        else:
            yield from _iter_file(path)


def _ignored(relative: PurePosixPath | Path) -> bool:
    """Return whether a path inside a dump is an artefact of an archiver or desktop."""
    parts = relative.parts
    hidden = any((p.startswith(".") and p not in (".", "..")) or p == "__MACOSX" for p in parts)
    return hidden or (relative.name in IGNORED_NAMES)


def _iter_file(path: Path) -> Iterator[Source | SourceError]:
    """Yield the articles in one file, dispatching on its content, not only its name."""
    name = str(path)
    try:
        with path.open("rb") as handle:
            head = handle.read(512)
    except OSError as error:
        yield SourceError(name, f"cannot read: {error.strerror or error}")
        return
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        yield from _iter_zip(path)
    elif head.startswith(b"\x1f\x8b") or head[257:262] == b"ustar":
        yield from _iter_tar(path)
    elif path.name.lower().endswith(JSONL_SUFFIXES):
        yield from _iter_jsonl(path)
    else:
        yield _read_article_file(path)


def _read_article_file(path: Path) -> Source | SourceError:
    """Return a plain article file's bytes, refusing files over the size limit."""
    size = path.stat().st_size
    if size > MAX_BYTES:
        return SourceError(str(path), _too_big(size))
    try:
        return Source(str(path), data=path.read_bytes())
    except OSError as error:
        return SourceError(str(path), f"cannot read: {error.strerror or error}")


def _too_big(size: int) -> str:
    return f"file is {size / 1024 / 1024:.1f} MB, over the {MAX_BYTES // 1024 // 1024} MB limit"


def _unsafe_member(member: str) -> str | None:
    """Return why an archive member's path is unsafe, or None when it is fine."""
    if member.startswith(("/", "\\")) or (len(member) > 1 and member[1] == ":"):
        return "absolute path in archive"
    if ".." in PurePosixPath(member.replace("\\", "/")).parts:
        return "path escapes the archive ('..')"
    return None


def _iter_zip(path: Path) -> Iterator[Source | SourceError]:
    """Yield the members of a zip archive, one at a time."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        yield SourceError(str(path), f"corrupt zip archive: {error}")
        return
    with archive:
        for info in archive.infolist():
            name = f"{path}:{info.filename}"
            if info.is_dir() or _ignored(PurePosixPath(info.filename)):
                continue
            if reason := _unsafe_member(info.filename):
                yield SourceError(name, reason)
                continue
            if info.file_size > MAX_BYTES:
                yield SourceError(name, _too_big(info.file_size))
                continue
            try:
                with archive.open(info) as member:
                    # The header's size can lie (zip bombs): never read past the limit.
                    data = member.read(MAX_BYTES + 1)
            except (zipfile.BadZipFile, OSError, RuntimeError, EOFError) as error:
                yield SourceError(name, f"cannot read archive member: {error}")
                continue
            if len(data) > MAX_BYTES:
                yield SourceError(name, _too_big(len(data)))
                continue
            yield from _member_sources(name, info.filename, data)


def _iter_tar(path: Path) -> Iterator[Source | SourceError]:
    """Yield the members of a (compressed) tar archive, one at a time."""
    try:
        archive = tarfile.open(path, mode="r:*")  # noqa: SIM115 - closed by the with below
    except (tarfile.TarError, OSError, EOFError) as error:
        yield SourceError(str(path), f"corrupt tar archive: {error}")
        return
    with archive:
        while True:
            try:
                info = archive.next()
            except (tarfile.TarError, OSError, EOFError) as error:
                yield SourceError(str(path), f"corrupt tar archive: {error}")
                return
            if info is None:
                return
            name = f"{path}:{info.name}"
            if info.isdir() or _ignored(PurePosixPath(info.name)):
                continue
            if reason := _unsafe_member(info.name):
                yield SourceError(name, reason)
                continue
            if not info.isfile():
                yield SourceError(name, "not a regular file (link or device) in archive")
                continue
            if info.size > MAX_BYTES:
                yield SourceError(name, _too_big(info.size))
                continue
            try:
                member = archive.extractfile(info)
                data = member.read(MAX_BYTES + 1) if member else b""
            except (tarfile.TarError, OSError, EOFError) as error:
                yield SourceError(name, f"cannot read archive member: {error}")
                continue
            yield from _member_sources(name, info.name, data)


def _member_sources(name: str, member: str, data: bytes) -> Iterator[Source | SourceError]:
    """Yield the articles of one archive member: a JSON Lines file or a single article."""
    if member.lower().endswith(JSONL_SUFFIXES):
        yield from _jsonl_records(name, data.splitlines())
    else:
        yield Source(name, data=data)


def _iter_jsonl(path: Path) -> Iterator[Source | SourceError]:
    """Yield one Source per line of a JSON Lines file, read line by line."""
    try:
        with path.open("rb") as handle:
            yield from _jsonl_records(str(path), handle)
    except OSError as error:
        yield SourceError(str(path), f"cannot read: {error.strerror or error}")


def _jsonl_records(name: str, lines: Iterable[bytes]) -> Iterator[Source | SourceError]:
    """Yield a Source per JSON object line; blank lines are skipped."""
    for number, line in enumerate(lines, start=1):
        record_name = f"{name}:{number}"
        if not line.strip():
            continue
        if len(line) > MAX_BYTES:
            yield SourceError(record_name, _too_big(len(line)))
            continue
        try:
            record = json.loads(line)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            yield SourceError(record_name, f"malformed JSON line: {error}")
            continue
        if not isinstance(record, dict):
            yield SourceError(record_name, "a JSON Lines record must be an object")
            continue
        text = record.get("text")
        if not isinstance(text, str) or not text.strip():
            yield SourceError(record_name, "field 'text' is missing or empty")
            continue
        meta = {}
        for key in JSONL_FIELDS[1:]:
            value = record.get(key)
            if value is None:
                continue
            if not isinstance(value, str):
                yield SourceError(record_name, f"field {key!r} must be a string")
                break
            meta[key] = value.strip()
        else:
            yield Source(record_name, text=text, meta=meta)
