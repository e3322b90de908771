"""Hostile archives: nothing is written anywhere, unsafe members are refused one by one,
and bombs are refused without being decompressed into memory."""

import gc
import io
import os
import stat
import tarfile
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from articles.pipeline.decode import MAX_BYTES
from articles.pipeline.sources import Source, SourceError, iter_sources

LINK_OR_DEVICE = "not a regular file (link or device) in archive"
ESCAPES = "path escapes the archive ('..')"
ABSOLUTE = "absolute path in archive"


def sources(*paths: Path) -> list[Source | SourceError]:
    return list(iter_sources(paths))


def errors_by_member(archive: Path, items) -> dict[str, str]:
    prefix = f"{archive}:"
    return {
        item.name.removeprefix(prefix): item.reason
        for item in items
        if isinstance(item, SourceError)
    }


def read_names(archive: Path, items) -> list[str]:
    return [item.name.removeprefix(f"{archive}:") for item in items if isinstance(item, Source)]


def add_tar_member(archive: tarfile.TarFile, name: str, **fields) -> None:
    info = tarfile.TarInfo(name)
    data = fields.pop("data", None)
    for key, value in fields.items():
        setattr(info, key, value)
    if data is not None:
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    else:
        archive.addfile(info)


@pytest.fixture
def never_extract(monkeypatch):
    """Fail the test if anything asks tarfile or zipfile to write a member to disk."""

    def refuse(*args, **kwargs):
        raise AssertionError("an archive member was extracted to disk")

    for owner, name in [
        (tarfile.TarFile, "extract"),
        (tarfile.TarFile, "extractall"),
        (tarfile.TarFile, "makelink"),
        (tarfile.TarFile, "makefile"),
        (zipfile.ZipFile, "extract"),
        (zipfile.ZipFile, "extractall"),
    ]:
        monkeypatch.setattr(owner, name, refuse)


def tree(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


# --- paths -----------------------------------------------------------------------------


def test_a_hostile_tar_writes_nothing_and_refuses_each_unsafe_member(tmp_path, never_extract):
    dump = tmp_path / "dump"
    dump.mkdir()
    archive = dump / "evil.tar.gz"
    outside = tmp_path / "outside.txt"
    with tarfile.open(archive, "w:gz") as tf:
        add_tar_member(tf, "news/ok.txt", data="标题\n正文。".encode())
        add_tar_member(tf, "../outside.txt", data=b"x")
        add_tar_member(tf, "news/../../outside.txt", data=b"x")
        add_tar_member(tf, "news/link", type=tarfile.SYMTYPE, linkname="../../outside.txt")
        add_tar_member(tf, "news/abs_link", type=tarfile.SYMTYPE, linkname="/etc/passwd")
        add_tar_member(tf, "news/hard", type=tarfile.LNKTYPE, linkname="/etc/passwd")
        add_tar_member(tf, "news/hard_rel", type=tarfile.LNKTYPE, linkname="news/ok.txt")
        add_tar_member(tf, "news/tty", type=tarfile.CHRTYPE, devmajor=5, devminor=0)
        add_tar_member(tf, "news/disk", type=tarfile.BLKTYPE, devmajor=8, devminor=0)
        add_tar_member(tf, "news/pipe", type=tarfile.FIFOTYPE)
        add_tar_member(tf, "news/after.txt", data="标题\n之后。".encode())
    before = tree(tmp_path)

    items = sources(dump)

    assert tree(tmp_path) == before and not outside.exists()
    assert read_names(archive, items) == ["news/ok.txt", "news/after.txt"]
    assert errors_by_member(archive, items) == {
        "../outside.txt": ESCAPES,
        "news/../../outside.txt": ESCAPES,
        "news/link": LINK_OR_DEVICE,
        "news/abs_link": LINK_OR_DEVICE,
        "news/hard": LINK_OR_DEVICE,
        "news/hard_rel": LINK_OR_DEVICE,
        "news/tty": LINK_OR_DEVICE,
        "news/disk": LINK_OR_DEVICE,
        "news/pipe": LINK_OR_DEVICE,
    }


def test_an_absolute_tar_member_is_refused_as_absolute(tmp_path):
    archive = tmp_path / "abs.tar"
    with tarfile.open(archive, "w", format=tarfile.GNU_FORMAT) as tf:
        info = tarfile.TarInfo("placeholder")
        info.size = 1
        tf.addfile(info, io.BytesIO(b"x"))
    data = bytearray(archive.read_bytes())
    # tarfile strips a leading "/" when writing; put one back into the raw header and
    # fix its checksum, as a hand-made hostile archive would have it.
    name = b"/etc/cron.d/x"
    data[0:100] = name.ljust(100, b"\0")
    data[148:156] = b" " * 8
    data[148:156] = f"{sum(data[:512]):06o}\0 ".encode()
    archive.write_bytes(bytes(data))
    [item] = sources(archive)
    assert item == SourceError(f"{archive}:/etc/cron.d/x", ABSOLUTE)


@pytest.mark.parametrize(
    ("member", "reason"),
    [
        ("/etc/passwd.txt", ABSOLUTE),
        ("\\windows\\system32\\x.txt", ABSOLUTE),
        ("\\\\server\\share\\x.txt", ABSOLUTE),
        ("C:\\Users\\x.txt", ABSOLUTE),
        ("C:x.txt", ABSOLUTE),
        ("c:/x.txt", ABSOLUTE),
        ("..\\..\\x.txt", ESCAPES),
        ("news\\..\\..\\x.txt", ESCAPES),
        ("news/../../x.txt", ESCAPES),
        ("news/..", ESCAPES),
    ],
)
def test_zip_members_with_absolute_windows_or_escaping_paths_are_refused(
    tmp_path, never_extract, member, reason
):
    archive = tmp_path / "dump.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("ok.txt", "标题\n正文。".encode())
        zf.writestr(zipfile.ZipInfo(member), b"x")  # ZipInfo keeps backslashes on POSIX
    before = tree(tmp_path)
    items = sources(archive)
    assert tree(tmp_path) == before
    assert read_names(archive, items) == ["ok.txt"]
    assert errors_by_member(archive, items) == {member: reason}


def test_zip_symlinks_and_devices_are_refused_not_read_as_text(tmp_path, never_extract):
    archive = tmp_path / "links.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for name, mode in [("link", stat.S_IFLNK), ("fifo", stat.S_IFIFO), ("tty", stat.S_IFCHR)]:
            info = zipfile.ZipInfo(name)
            info.create_system = 3  # Unix: the high bits of external_attr are st_mode
            info.external_attr = (mode | 0o777) << 16
            zf.writestr(info, b"/etc/passwd")
        regular = zipfile.ZipInfo("plain.txt")
        regular.create_system = 3
        regular.external_attr = (stat.S_IFREG | 0o644) << 16
        zf.writestr(regular, "标题\n正文。".encode())
    items = sources(archive)
    assert read_names(archive, items) == ["plain.txt"]
    assert errors_by_member(archive, items) == dict.fromkeys(
        ["link", "fifo", "tty"], LINK_OR_DEVICE
    )


def test_very_deep_member_paths_are_read_without_recursion(tmp_path):
    deep = "/".join(["层"] * 2000) + "/文章.txt"
    zipped, tarred = tmp_path / "deep.zip", tmp_path / "deep.tar"
    with zipfile.ZipFile(zipped, "w") as zf:
        zf.writestr(deep, "标题\n正文。".encode())
    with tarfile.open(tarred, "w", format=tarfile.PAX_FORMAT) as tf:
        add_tar_member(tf, deep, data="标题\n正文。".encode())
    assert read_names(zipped, sources(zipped)) == [deep]
    assert read_names(tarred, sources(tarred)) == [deep]


def test_archives_inside_archives_are_not_opened(tmp_path):
    # 30 zips, each inside the next: only the outermost is read; the one inside is
    # refused, and says why, so nesting costs nothing.
    data = "标题\n正文。".encode()
    for level in range(30):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(f"level{level}.zip" if level else "article.txt", data)
        data = buffer.getvalue()
    archive = tmp_path / "nested.zip"
    archive.write_bytes(data)
    [item] = sources(archive)
    assert item.name == f"{archive}:level29.zip"
    assert isinstance(item, SourceError)
    assert item.reason == "a zip or gzip file inside an archive (not opened)"


# --- bombs -----------------------------------------------------------------------------


def peak_memory(function) -> tuple[object, int]:
    """Return function()'s result and the peak memory Python allocated while it ran."""
    tracemalloc.start()
    try:
        result = function()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def set_central_size(archive: Path, size: int) -> None:
    """Make the zip's (only) central directory entry declare another uncompressed size."""
    data = bytearray(archive.read_bytes())
    entry = data.rfind(b"PK\x01\x02")
    data[entry + 24 : entry + 28] = size.to_bytes(4, "little")
    archive.write_bytes(bytes(data))


def test_a_zip_member_declaring_more_than_the_limit_is_refused_unread(tmp_path, monkeypatch):
    archive = tmp_path / "big.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("big.txt", b"a" * (MAX_BYTES + 1))
        zf.writestr("ok.txt", "标题\n正文。".encode())
    opened = []
    original = zipfile.ZipFile.open
    monkeypatch.setattr(
        zipfile.ZipFile,
        "open",
        lambda self, info, *a, **k: opened.append(info.filename) or original(self, info, *a, **k),
    )
    items = sources(archive)
    assert errors_by_member(archive, items) == {"big.txt": "file is 5.0 MB, over the 5 MB limit"}
    assert opened == ["ok.txt"]


@pytest.mark.parametrize("declared", [1000, MAX_BYTES])
def test_a_deflate_bomb_that_lies_about_its_size_stops_at_the_limit(tmp_path, declared):
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("bomb.txt", b"\0" * (30 * 1024 * 1024))  # 30 MB in ~30 kB
    set_central_size(archive, declared)
    items, peak = peak_memory(lambda: sources(archive))
    [item] = items
    assert isinstance(item, SourceError) and item.name == f"{archive}:bomb.txt"
    assert "Bad CRC-32" in item.reason or "over the 5 MB limit" in item.reason
    assert peak < 4 * MAX_BYTES


def test_a_bzip2_bomb_is_refused_before_decompressing(tmp_path):
    # zipfile decompresses bzip2 and LZMA members a whole chunk at a time: this zip of a
    # few hundred bytes would take ~90 MB however little is read (200 MB of zeros: 0.5 GB).
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_BZIP2) as zf:
        zf.writestr("bomb.txt", b"\0" * (40 * 1024 * 1024))
    set_central_size(archive, 1000)
    assert archive.stat().st_size < 1000
    items, peak = peak_memory(lambda: sources(archive))
    [item] = items
    assert isinstance(item, SourceError) and "compression method 12 is not read" in item.reason
    assert peak < MAX_BYTES


def test_lzma_members_are_refused_too(tmp_path):
    archive = tmp_path / "lzma.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_LZMA) as zf:
        zf.writestr("a.txt", "标题\n正文。".encode())
    [item] = sources(archive)
    assert isinstance(item, SourceError) and "compression method 14 is not read" in item.reason


def overlapping_zip(path: Path, copies: int) -> None:
    """Write a zip whose central directory points many names at one compressed member."""
    kernel = io.BytesIO()
    with zipfile.ZipFile(kernel, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a", b"a" * (4 * 1024 * 1024))
    data = kernel.getvalue()
    central = data.index(b"PK\x01\x02")
    end = data.index(b"PK\x05\x06")
    entry = data[central:end]
    local = data[:central]
    # Same name everywhere (zipfile checks the local header's name), same data offset.
    directory = entry * copies
    record = bytearray(data[end:])
    record[8:10] = copies.to_bytes(2, "little")
    record[10:12] = copies.to_bytes(2, "little")
    record[12:16] = len(directory).to_bytes(4, "little")
    record[16:20] = len(local).to_bytes(4, "little")
    path.write_bytes(local + directory + bytes(record))


def test_members_sharing_compressed_data_are_refused_after_the_first(tmp_path):
    # A kilobytes-small file that would otherwise expand to 1,000 articles of 4 MB each.
    archive = tmp_path / "overlap.zip"
    overlapping_zip(archive, 1000)
    assert archive.stat().st_size < 200_000
    items = sources(archive)
    assert len(items) == 1000
    assert [i for i in items if isinstance(i, Source)] == [items[0]]
    assert {i.reason for i in items[1:]} == {"member overlaps another one's data (a zip bomb)"}


def test_a_tar_member_declaring_more_than_the_limit_is_refused_unread(tmp_path):
    archive = tmp_path / "big.tar.gz"
    with tarfile.open(archive, "w:gz") as tf:
        add_tar_member(tf, "big.txt", data=b"\0" * (MAX_BYTES + 1))
        add_tar_member(tf, "ok.txt", data="标题\n正文。".encode())
    items = sources(archive)
    assert errors_by_member(archive, items) == {"big.txt": "file is 5.0 MB, over the 5 MB limit"}
    assert read_names(archive, items) == ["ok.txt"]


def tar_of_empty_members(count: int) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tf:
        for number in range(count):
            add_tar_member(tf, f"d/{number}.txt", data=b"")
    return buffer.getvalue()


def test_a_tar_of_many_members_is_read_without_keeping_their_headers(tmp_path):
    # tarfile remembers every header it reads (~700 bytes each), and a 1 MB .tar.gz can
    # hold millions of empty members: the reader must let them go.
    archive = tmp_path / "many.tar.gz"
    archive.write_bytes(tar_of_empty_members(5_000))
    items = iter_sources([archive])
    for _ in range(4_999):
        next(items)
    gc.collect()
    # type(), not isinstance(): a dead weakref proxy in the heap raises on isinstance
    headers = sum(type(o) is tarfile.TarInfo for o in gc.get_objects())
    assert headers < 10
    assert len(list(items)) == 1


def test_a_device_given_as_a_path_is_refused_unread():
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero")
    [item] = sources(Path("/dev/zero"))
    assert item == SourceError("/dev/zero", "not a regular file (a device, a pipe or a socket)")


def test_a_folder_link_to_a_file_outside_the_folder_is_refused(tmp_path):
    from articles.pipeline.sources import SourceError, iter_sources

    outside = tmp_path / "secret.txt"
    outside.write_text("不该导入的文件\n内容", encoding="utf-8")
    dump = tmp_path / "dump"
    dump.mkdir()
    (dump / "inside.txt").write_text("标题\n正文内容", encoding="utf-8")
    (dump / "link.txt").symlink_to(outside)
    (dump / "inner_link.txt").symlink_to(dump / "inside.txt")
    found = list(iter_sources([dump]))
    errors = [item for item in found if isinstance(item, SourceError)]
    assert [(e.name.endswith("link.txt"), e.reason) for e in errors] == [
        (True, "a link to a file outside the folder")
    ]
    assert len(found) == 3  # inside.txt and the link to it are read
