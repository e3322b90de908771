"""Walk import paths (files, folders, zip and tar archives, JSON Lines) lazily.

Yields one Source per article, or a SourceError naming the file and the reason it was
skipped. Nothing is extracted to disk: archive members are read into memory one at a
time, capped at the article size limit, so a hostile archive cannot write anywhere or
exhaust memory.
"""

import datetime
import json
import lzma
import os
import re
import stat
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import BinaryIO

from articles.pipeline.decode import MAX_BYTES

JSONL_SUFFIXES = (".jsonl", ".ndjson")
JSONL_FIELDS = ("text", "title", "url", "outlet", "published")
FIELD_LIMITS = {"outlet": 200}  # Article.outlet's length
# JSON escapes such as \ud800 can produce unpaired surrogates, which UTF-8 cannot encode.
_SURROGATE = re.compile("[\ud800-\udfff]")
# Files that archivers and desktops leave behind; never articles.
IGNORED_NAMES = {".DS_Store", "Thumbs.db", "desktop.ini"}
_SEPARATORS = re.compile(r"[/\\]")  # archives made on Windows may use either
# What reading a corrupt or hostile archive can raise, besides the archive modules' own
# errors: a bad deflate or xz stream, a truncated header, an undecodable member name.
_ARCHIVE_ERRORS = (
    zipfile.BadZipFile,
    tarfile.TarError,
    OSError,
    EOFError,
    RuntimeError,
    ValueError,
    NotImplementedError,
    struct.error,
    zlib.error,
    lzma.LZMAError,
)
# Zip members are read only when stored or deflated: zipfile bounds the output of each
# deflate step, but hands bzip2 and LZMA whole chunks to decompress, so a few hundred
# bytes of bzip2 could fill the memory before the size limit is checked.
_ZIP_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
_ZIP_LOCAL_HEADER = 30  # bytes of a local file header before its name


def storable_name(name: str) -> str:
    """Return a file name as text PostgreSQL stores: undecodable bytes written as \\xNN.

    A name on disk or in a tar archive need not be UTF-8; Python keeps its stray bytes as
    lone surrogates, which no UTF-8 text may hold (storing one failed the whole chunk).
    """
    if not _SURROGATE.search(name):
        return name
    try:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a surrogate that stands for no byte
        return name.encode("utf-8", "backslashreplace").decode("utf-8")


@dataclass(frozen=True, slots=True)
class Source:
    """One article's input: bytes to decode, or text already decoded (JSON Lines)."""

    name: str
    data: bytes | None = None
    text: str | None = None
    meta: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", storable_name(self.name))


@dataclass(frozen=True, slots=True)
class SourceError:
    """A file or record that could not be read, and why."""

    name: str
    reason: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", storable_name(self.name))


def iter_sources(paths: Iterable[Path]) -> Iterator[Source | SourceError]:
    """Yield a Source per article found under paths, or a SourceError per unreadable one."""
    for path in paths:
        if not path.exists():
            yield SourceError(str(path), "no such file or directory")
        elif path.is_dir():
            yield from _iter_folder(path)
        elif not path.is_file():  # reading a pipe would wait for a writer, for good
            yield SourceError(str(path), NOT_A_FILE)
        else:
            yield from _iter_file(path)


def _iter_folder(top: Path) -> Iterator[Source | SourceError]:
    """Yield the articles under a folder, in the order of sorted(top.rglob("*")).

    Depth first, each folder's entries by name (Path sorts by components, so this is the
    same order), holding the entries of the folders being walked rather than a path for
    every file of the dump: listed at once, 100,000 files took ~70 MB. A stack, not
    recursion, so a hostile dump nested thousands deep is walked too. Like rglob, links
    to folders are not followed; an unreadable folder is reported, not skipped unseen.
    """
    root = top.resolve()
    # (folder, name, kind) still to visit, the next one last; the name "" is top itself
    waiting: list[tuple[Path, str, str]] = [(top, "", "folder")]
    while waiting:
        folder, name, kind = waiting.pop()
        path = folder / name
        if kind == "folder":
            try:
                with os.scandir(path) as scan:
                    entries = [(path, e.name, _kind(e)) for e in scan if not _hidden(e.name)]
            except OSError as error:
                yield SourceError(str(path), f"cannot read the folder: {error.strerror or error}")
                continue
            entries.sort(key=_NAME, reverse=True)
            waiting += entries
        elif name in IGNORED_NAMES:
            continue
        elif kind == "file":
            yield from _iter_file(path)
        elif kind == "link" and path.is_file():
            if path.resolve().is_relative_to(root):
                yield from _iter_file(path)
            else:
                # a dump unpacked elsewhere must not pull in /etc/passwd by a link
                yield SourceError(str(path), "a link to a file outside the folder")
        elif kind == "link" and path.is_dir():
            yield SourceError(str(path), "a link to a folder (not followed)")
        elif kind == "link" and not path.exists():
            yield SourceError(str(path), "a link to nothing")
        else:
            yield SourceError(str(path), NOT_A_FILE)


_NAME = itemgetter(1)
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a zip, an empty zip
_GZIP_MAGIC = b"\x1f\x8b"
NOT_A_FILE = "not a regular file (a device, a pipe or a socket)"


def _kind(entry: os.DirEntry) -> str:
    """Return "folder", "file", "link" or "other" (a device, a pipe), links not followed."""
    if entry.is_symlink():
        return "link"
    if entry.is_dir(follow_symlinks=False):
        return "folder"
    return "file" if entry.is_file(follow_symlinks=False) else "other"


def _hidden(name: str) -> bool:
    """Return whether a file or folder name is hidden, or an archiver's (__MACOSX)."""
    return name.startswith(".") or name == "__MACOSX"


def _ignored(parts: Sequence[str]) -> bool:
    """Return whether a path inside a dump is an artefact of an archiver or desktop."""
    hidden = any(_hidden(p) for p in parts if p not in (".", ".."))
    return hidden or (bool(parts) and parts[-1] in IGNORED_NAMES)


def _member_parts(member: str) -> list[str]:
    """Return the components of an archive member's path, split at "/" and "\\".

    Not PurePosixPath: it interns every component, and interned strings live as long as
    the process, so an archive of millions of names would keep them all.
    """
    return [part for part in _SEPARATORS.split(member) if part and part != "."]


def _iter_file(path: Path) -> Iterator[Source | SourceError]:
    """Yield the articles in one file, dispatching on its content, not only its name."""
    name = str(path)
    try:
        with path.open("rb") as handle:
            head = handle.read(512)
    except OSError as error:
        yield SourceError(name, f"cannot read: {error.strerror or error}")
        return
    kind = _archive_kind(head)
    if kind == "zip":
        yield from _iter_zip(path)
    elif kind == "tar":
        yield from _iter_tar(path)
    elif path.name.lower().endswith(JSONL_SUFFIXES):
        yield from _iter_jsonl(path)
    else:
        yield _read_article_file(path)


def _archive_kind(head: bytes) -> str | None:
    """Return "zip" or "tar" (plain or gzipped) by a file's first 512 bytes, or None."""
    if head.startswith(_ZIP_MAGIC):
        return "zip"
    if head.startswith(_GZIP_MAGIC) or head[257:262] == b"ustar":
        return "tar"
    return None


def _read_article_file(path: Path) -> Source | SourceError:
    """Return a plain article file's bytes, refusing files over the size limit."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            return SourceError(str(path), _too_big(size))
        # Never more than the limit: a device or a growing file has no honest size.
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as error:
        return SourceError(str(path), f"cannot read: {error.strerror or error}")
    if len(data) > MAX_BYTES:
        return SourceError(str(path), f"file is over the {MAX_BYTES // 1024 // 1024} MB limit")
    return Source(str(path), data=data)


def _too_big(size: int) -> str:
    return f"file is {size / 1024 / 1024:.1f} MB, over the {MAX_BYTES // 1024 // 1024} MB limit"


def _unsafe_member(member: str) -> str | None:
    """Return why an archive member's path is unsafe, or None when it is fine."""
    if member.startswith(("/", "\\")) or (len(member) > 1 and member[1] == ":"):
        return "absolute path in archive"
    if ".." in _member_parts(member):
        return "path escapes the archive ('..')"
    return None


def _iter_zip(path: Path) -> Iterator[Source | SourceError]:
    """Yield the members of a zip archive, one at a time."""
    try:
        archive = zipfile.ZipFile(path)
    except _ARCHIVE_ERRORS as error:
        yield SourceError(str(path), f"corrupt zip archive: {error}")
        return
    with archive:
        infos = archive.infolist()
        overlapping = _overlapping_members(infos)
        for info in infos:
            name = f"{path}:{info.filename}"
            if info.is_dir():
                continue
            if reason := _unsafe_member(info.filename) or _unsafe_zip_member(info):
                yield SourceError(name, reason)
                continue
            if _ignored(_member_parts(info.filename)):
                continue
            if id(info) in overlapping:
                yield SourceError(name, "member overlaps another one's data (a zip bomb)")
                continue
            if info.file_size > MAX_BYTES:
                yield SourceError(name, _too_big(info.file_size))
                continue
            try:
                with archive.open(info) as member:
                    # The header's size can lie (zip bombs): never read past the limit.
                    data = member.read(MAX_BYTES + 1)
            except _ARCHIVE_ERRORS as error:
                yield SourceError(name, f"cannot read archive member: {error}")
                continue
            if len(data) > MAX_BYTES:
                yield SourceError(name, _too_big(len(data)))
                continue
            yield from _member_sources(name, info.filename, data)


def _unsafe_zip_member(info: zipfile.ZipInfo) -> str | None:
    """Return why a zip member cannot be read safely (a link, a bzip2 bomb), or None."""
    mode = info.external_attr >> 16  # Unix permissions and file type, when made on Unix
    if stat.S_IFMT(mode) not in (0, stat.S_IFREG):
        return "not a regular file (link or device) in archive"
    if info.compress_type not in _ZIP_METHODS:
        return (
            f"compression method {info.compress_type} is not read (only stored and deflate): "
            "it cannot be decompressed within the size limit"
        )
    return None


def _overlapping_members(infos: list[zipfile.ZipInfo]) -> set[int]:
    """Return the ids of zip members whose header lies inside an earlier member's data.

    A zip bomb can point many central-directory entries at one compressed kernel, so that
    a small file expands to thousands of full-size members; honest archives never overlap.
    """
    overlapping = set()
    end = 0
    for info in sorted(infos, key=lambda i: i.header_offset):
        if info.header_offset < end:
            overlapping.add(id(info))
        end = max(end, info.header_offset + _ZIP_LOCAL_HEADER + info.compress_size)
    return overlapping


def _iter_tar(path: Path) -> Iterator[Source | SourceError]:
    """Yield the members of a (compressed) tar archive, one at a time."""
    try:
        archive = tarfile.open(path, mode="r:*")  # noqa: SIM115 - closed by the with below
    except _ARCHIVE_ERRORS as error:
        yield SourceError(str(path), f"corrupt tar archive: {error}")
        return
    with archive:
        while True:
            try:
                info = archive.next()
            except _ARCHIVE_ERRORS as error:
                yield SourceError(str(path), f"corrupt tar archive: {error}")
                return
            if info is None:
                return
            # TarFile keeps every header it has read; a small .tar.gz of millions of empty
            # members would fill the memory with them. Links are never followed, so the
            # list is not needed.
            archive.members.clear()
            name = f"{path}:{info.name}"
            if info.isdir():
                continue
            if reason := _unsafe_member(info.name):
                yield SourceError(name, reason)
                continue
            if _ignored(_member_parts(info.name)):
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
            except _ARCHIVE_ERRORS as error:
                yield SourceError(name, f"cannot read archive member: {error}")
                continue
            yield from _member_sources(name, info.name, data)


def _member_sources(name: str, member: str, data: bytes) -> Iterator[Source | SourceError]:
    """Yield the articles of one archive member: a JSON Lines file or a single article."""
    if _archive_kind(data[:512]):
        yield SourceError(name, "a zip or gzip file inside an archive (not opened)")
    elif member.lower().endswith(JSONL_SUFFIXES):
        # split at "\n" only, as a JSON Lines file on disk is read: the same lines, numbered alike
        yield from _jsonl_records(name, data.split(b"\n"))
    else:
        yield Source(name, data=data)


def _iter_jsonl(path: Path) -> Iterator[Source | SourceError]:
    """Yield one Source per line of a JSON Lines file, read line by line."""
    try:
        with path.open("rb") as handle:
            yield from _jsonl_records(str(path), _bounded_lines(handle))
    except OSError as error:
        yield SourceError(str(path), f"cannot read: {error.strerror or error}")


def _bounded_lines(handle: BinaryIO) -> Iterator[bytes]:
    """Yield a file's lines; a line over the limit is cut just past it, never held whole."""
    while line := handle.readline(MAX_BYTES + 1):
        if len(line) > MAX_BYTES:
            while (rest := handle.readline(1024 * 1024)) and not rest.endswith(b"\n"):
                pass
        yield line


def iso_date(value: str) -> datetime.date | None:
    """Return the date of an ISO 8601 date or date and time (2025-03-01T08:00+08:00), or None."""
    value = value.strip()
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        pass
    try:
        return datetime.datetime.fromisoformat(value).date()
    except ValueError:
        return None


def _unstorable(value: str) -> bool:
    """Return whether text holds what PostgreSQL cannot store: NUL, unpaired surrogates."""
    return "\x00" in value or _SURROGATE.search(value) is not None


def _jsonl_records(name: str, lines: Iterable[bytes]) -> Iterator[Source | SourceError]:
    """Yield a Source per JSON object line; blank lines are skipped."""
    for number, line in enumerate(lines, start=1):
        record_name = f"{name}:{number}"
        if not line.strip():
            continue
        if len(line) > MAX_BYTES:
            yield SourceError(record_name, f"line is over the {MAX_BYTES // 1024 // 1024} MB limit")
            continue
        try:
            record = json.loads(line)
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            yield SourceError(record_name, f"malformed JSON line: {error}")
            continue
        except RecursionError:
            yield SourceError(record_name, "malformed JSON line: nested too deeply")
            continue
        if not isinstance(record, dict):
            yield SourceError(record_name, "a JSON Lines record must be an object")
            continue
        text = record.get("text")
        if not isinstance(text, str) or not text.strip():
            yield SourceError(record_name, "field 'text' is missing or empty")
            continue
        meta = {}
        for key in JSONL_FIELDS:
            value = record.get(key)
            if value is None:
                continue
            if not isinstance(value, str):
                yield SourceError(record_name, f"field {key!r} must be a string")
                break
            if _unstorable(value):
                yield SourceError(
                    record_name, f"field {key!r} holds a NUL character or an unpaired surrogate"
                )
                break
            if key == "published" and value.strip() and iso_date(value) is None:
                shown = value if len(value) <= 40 else value[:40] + "…"
                yield SourceError(
                    record_name, f"field 'published' is not an ISO date (YYYY-MM-DD): {shown!r}"
                )
                break
            if key in FIELD_LIMITS and len(value.strip()) > FIELD_LIMITS[key]:
                yield SourceError(
                    record_name, f"field {key!r} is over {FIELD_LIMITS[key]} characters"
                )
                break
            if key != "text":
                meta[key] = value.strip()
        else:
            yield Source(record_name, text=text, meta=meta)
