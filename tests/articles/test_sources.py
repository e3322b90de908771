import io
import json
import os
import tarfile
import zipfile
from pathlib import Path

from articles.pipeline.decode import MAX_BYTES
from articles.pipeline.sources import Source, SourceError, iter_sources


def sources(*paths: Path) -> list[Source | SourceError]:
    return list(iter_sources(paths))


def errors_by_name(items) -> dict[str, str]:
    return {item.name: item.reason for item in items if isinstance(item, SourceError)}


def test_a_missing_path_is_reported_by_name(tmp_path):
    [item] = sources(tmp_path / "nope.txt")
    assert item == SourceError(str(tmp_path / "nope.txt"), "no such file or directory")


def test_a_folder_is_walked_recursively_skipping_desktop_artefacts(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "one.txt").write_text("一")
    (tmp_path / "a" / "b" / "two.txt").write_text("二")
    (tmp_path / ".DS_Store").write_bytes(b"\0\0")
    (tmp_path / "a" / ".hidden.txt").write_text("x")
    names = [item.name for item in sources(tmp_path)]
    assert names == [str(tmp_path / "a" / "b" / "two.txt"), str(tmp_path / "a" / "one.txt")]


def test_a_folder_is_walked_in_sorted_path_order(tmp_path):
    """The order of sorted(rglob): it decides which of two copies is the original."""
    for name in ["x/1.txt", "x-1.txt", "x.txt", "X/2.txt", "x/y/3.txt", "x/y-z.txt", "中/文.txt"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("正文")
    expected = [str(p) for p in sorted(tmp_path.rglob("*")) if p.is_file()]
    assert [item.name for item in sources(tmp_path)] == expected


def test_a_folder_is_listed_as_it_is_walked_not_all_at_once(tmp_path):
    """A dump of a million files must not be held as a million paths before the first."""
    for folder in "ab":
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "1.txt").write_text("正文")
    walk = iter_sources([tmp_path])
    assert next(walk).name == str(tmp_path / "a" / "1.txt")
    (tmp_path / "b" / "2.txt").write_text("正文")  # b has not been listed yet
    assert [item.name for item in walk] == [str(tmp_path / "b" / n) for n in ("1.txt", "2.txt")]


def test_an_unreadable_folder_is_reported_and_the_rest_read(tmp_path, monkeypatch):
    for name in ["a/1.txt", "locked/2.txt", "z.txt"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("正文")
    scandir = os.scandir

    def refuse_locked(path):
        if Path(path).name == "locked":  # root reads any folder, so refuse it here
            raise PermissionError(13, "Permission denied")
        return scandir(path)

    monkeypatch.setattr(os, "scandir", refuse_locked)
    items = sources(tmp_path)
    assert [i.name for i in items if isinstance(i, Source)] == [
        str(tmp_path / "a" / "1.txt"),
        str(tmp_path / "z.txt"),
    ]
    assert errors_by_name(items) == {
        str(tmp_path / "locked"): "cannot read the folder: Permission denied"
    }


def test_a_folder_nested_deeper_than_the_recursion_limit_is_walked(tmp_path):
    deepest = tmp_path
    for _ in range(1200):  # Python's default recursion limit is 1,000
        deepest = deepest / "d"
        deepest.mkdir()
    (deepest / "a.txt").write_text("标题\n正文")
    try:
        assert [item.name for item in sources(tmp_path)] == [str(deepest / "a.txt")]
    finally:
        # pytest's clean-up of old temporary folders (shutil.rmtree) recurses too
        (deepest / "a.txt").unlink()
        while deepest != tmp_path:
            deepest.rmdir()
            deepest = deepest.parent


def test_links_to_folders_are_reported_not_followed(tmp_path):
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "1.txt").write_text("正文")
    (tmp_path / "dump").mkdir()
    (tmp_path / "dump" / "linked").symlink_to(tmp_path / "elsewhere")
    (tmp_path / "dump" / "loop").symlink_to(tmp_path / "dump")
    not_followed = "a link to a folder (not followed)"
    assert sources(tmp_path / "dump") == [
        SourceError(str(tmp_path / "dump" / "linked"), not_followed),
        SourceError(str(tmp_path / "dump" / "loop"), not_followed),
    ]


def test_an_oversized_file_is_refused_without_reading_it(tmp_path):
    big = tmp_path / "big.txt"
    with big.open("wb") as handle:
        handle.truncate(MAX_BYTES + 1)
    [item] = sources(big)
    assert isinstance(item, SourceError) and "over the 5 MB limit" in item.reason


def test_zip_members_are_read_and_unsafe_paths_refused(tmp_path):
    archive = tmp_path / "dump.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("news/001.txt", "标题\n正文。".encode())
        zf.writestr("../escape.txt", b"x")
        zf.writestr("/etc/passwd.txt", b"x")
        zf.writestr("__MACOSX/._001.txt", b"\0")
    items = sources(archive)
    assert [i.name for i in items if isinstance(i, Source)] == [f"{archive}:news/001.txt"]
    errors = errors_by_name(items)
    assert errors[f"{archive}:../escape.txt"] == "path escapes the archive ('..')"
    assert errors[f"{archive}:/etc/passwd.txt"] == "absolute path in archive"


def test_a_zip_detected_by_content_whatever_its_name(tmp_path):
    archive = tmp_path / "dump.txt"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("a.txt", "内容".encode())
    [item] = sources(archive)
    assert item.name == f"{archive}:a.txt"


def test_tar_gz_members_are_read_and_links_refused(tmp_path):
    archive = tmp_path / "dump.tar.gz"
    with tarfile.open(archive, "w:gz") as tf:
        data = "标题\n正文。".encode()
        info = tarfile.TarInfo("dump/001.txt")
        info.size = len(data)
        tf.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo("dump/link.txt")
        link.type = tarfile.SYMTYPE
        link.linkname = "/etc/passwd"
        tf.addfile(link)
        evil = tarfile.TarInfo("../../evil.txt")
        evil.size = 1
        tf.addfile(evil, io.BytesIO(b"x"))
    items = sources(archive)
    assert items[0] == Source(f"{archive}:dump/001.txt", data="标题\n正文。".encode())
    errors = errors_by_name(items)
    assert "link or device" in errors[f"{archive}:dump/link.txt"]
    assert errors[f"{archive}:../../evil.txt"] == "path escapes the archive ('..')"


def test_a_corrupt_archive_is_one_clear_error(tmp_path):
    archive = tmp_path / "broken.zip"
    archive.write_bytes(b"PK\x03\x04" + b"garbage" * 10)
    [item] = sources(archive)
    assert isinstance(item, SourceError) and item.reason.startswith("corrupt zip archive")


def test_jsonl_records_carry_metadata_and_bad_lines_are_reported(tmp_path):
    dump = tmp_path / "dump.jsonl"
    lines = [
        json.dumps(
            {
                "title": "标题",
                "text": "正文。",
                "url": "https://x.example/1",
                "outlet": "路透社",
                "published": "2025-03-12",
            },
            ensure_ascii=False,
        ),
        "{not json",
        json.dumps({"title": "没有正文"}, ensure_ascii=False),
        "",
        json.dumps(["a list"]),
        json.dumps({"text": "正文", "outlet": 5}),
    ]
    dump.write_text("\n".join(lines), encoding="utf-8")
    items = sources(dump)
    first = items[0]
    assert first.name == f"{dump}:1" and first.text == "正文。"
    assert first.meta == {
        "title": "标题",
        "url": "https://x.example/1",
        "outlet": "路透社",
        "published": "2025-03-12",
    }
    errors = errors_by_name(items)
    assert errors[f"{dump}:2"].startswith("malformed JSON line")
    assert errors[f"{dump}:3"] == "field 'text' is missing or empty"
    assert errors[f"{dump}:5"] == "a JSON Lines record must be an object"
    assert errors[f"{dump}:6"] == "field 'outlet' must be a string"
    assert len(items) == 5  # the blank line is skipped silently


def test_jsonl_inside_a_zip_is_read_record_by_record(tmp_path):
    archive = tmp_path / "dump.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("part1.jsonl", '{"text": "一"}\n{"text": "二"}\n')
    assert [i.name for i in sources(archive)] == [
        f"{archive}:part1.jsonl:1",
        f"{archive}:part1.jsonl:2",
    ]
