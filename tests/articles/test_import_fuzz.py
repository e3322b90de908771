"""Fuzzing the import: whatever a file holds, it becomes an article or a per-file error.

Hypothesis runs derandomized (the same examples on every run, no example database), so CI
sees what a developer sees. Every property has the same shape: feed bytes to the sources
reader and to process_source, and accept only a Processed that PostgreSQL can store or a
SourceError that names the file and says why; any exception fails the test.
"""

import codecs
import gzip
import io
import json
import random
import tarfile
import tempfile
import zipfile
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from articles.pipeline.decode import MAX_BYTES
from articles.pipeline.entities import AliasIndex
from articles.pipeline.lexicon import load_lexicon
from articles.pipeline.process import TITLE_LIMIT, Processed, process_source
from articles.pipeline.sources import JSONL_FIELDS, Source, SourceError, iter_sources

# Random archives repeat member names; zipfile warns, and that is what is being tested.
pytestmark = pytest.mark.filterwarnings("ignore:Duplicate name:UserWarning")

FUZZ = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FEWER = settings(FUZZ, max_examples=100)

CHINESE = (
    "普京泽连斯基特朗普佩斯科夫说表示称据塔斯社报道和平谈判乌克兰俄罗斯美国外交部发言人"
    "，。、：；！？“”「」（）《》—…·　國際會談總統與澤連斯基關於"
)
# What a scraped article may hold besides Chinese: ASCII, markup, astral characters, emoji
# with joiners and flags, zero-width and bidi controls, stray C0/C1 controls.
ODD = "<>&\"'/\\{}%#=\n\r\t 𠮷😀👨\u200d👩\u200d👧🇺🇦\u200b\ufeff\u202e\u2066\u2069\x85\x1b\x7f\x00"
article_text = st.text(
    alphabet=st.sampled_from(CHINESE + ODD + "abcXYZ019"), min_size=0, max_size=400
)


@cache
def index() -> AliasIndex:
    return AliasIndex.from_lexicon(load_lexicon())


def assert_storable(item: Processed) -> None:
    """Fail unless PostgreSQL can store the article and its offsets are consistent."""
    texts = [item.title, item.body, item.raw_text, item.search_vector]
    texts += [*item.meta.values(), *(removal[3] for removal in item.removals)]
    texts += [m.surface for m in item.mentions] + [e.name for e in item.new_entities]
    for text in texts:
        # PostgreSQL text refuses NUL; UTF-8 refuses unpaired surrogates.
        assert "\x00" not in text
        text.encode("utf-8")
    assert item.body.strip()
    assert len(item.title) <= TITLE_LIMIT
    assert all(len(e.name) <= 100 and len(e.latin) <= 200 for e in item.new_entities)
    assert len(item.meta.get("outlet", "")) <= 200
    for mention in item.mentions:
        assert 0 <= mention.start < mention.end <= len(item.body)
        assert item.body[mention.start : mention.end] == mention.surface


def assert_handled(item: Source | SourceError, name_prefix: str) -> None:
    """Process one source and fail unless the outcome is an article or a clear error."""
    if isinstance(item, Source):
        item = process_source(item, index())
    assert item.name.startswith(name_prefix)
    if isinstance(item, SourceError):
        assert isinstance(item.reason, str) and item.reason.strip()
    else:
        assert isinstance(item, Processed)
        assert_storable(item)


def read_file(data: bytes, name: str) -> None:
    """Write data under name, read it with the sources reader, process every article."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        # An archive of directories only, or blank lines, yields nothing: that is fine.
        for item in iter_sources([path]):
            assert_handled(item, str(path))


# --- bytes straight into process_source ---------------------------------------------


@FUZZ
@given(st.binary(max_size=3000))
def test_arbitrary_bytes_are_an_article_or_an_error(data):
    assert_handled(Source("fuzz.txt", data=data), "fuzz.txt")


BOMS = [codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE]


@FUZZ
@given(st.sampled_from(BOMS), st.binary(max_size=2000))
def test_a_bom_before_random_bytes(bom, data):
    assert_handled(Source("bom.txt", data=bom + data), "bom.txt")


@FUZZ
@given(
    article_text,
    st.sampled_from(["gb18030", "big5", "utf-16", "utf-16-le", "utf-16-be", "utf-8-sig"]),
    st.data(),
)
def test_truncated_and_damaged_legacy_encodings(text, encoding, data):
    encoded = text.encode(encoding, errors="ignore")
    cut = data.draw(st.integers(0, len(encoded)), label="cut")
    damaged = bytearray(encoded[:cut])
    if damaged and data.draw(st.booleans(), label="flip a byte"):
        position = data.draw(st.integers(0, len(damaged) - 1), label="position")
        damaged[position] ^= data.draw(st.integers(1, 255), label="xor")
    assert_handled(Source("legacy.txt", data=bytes(damaged)), "legacy.txt")


# --- JSON Lines ------------------------------------------------------------------------

# Any JSON value, strings included with unpaired surrogates and NULs (json.dumps escapes them).
any_string = st.text(st.characters(codec=None, exclude_categories=()), max_size=50)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | any_string,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(any_string, children, max_size=4)
    ),
    max_leaves=10,
)
records = st.fixed_dictionaries(
    {},
    optional={
        key: st.one_of(article_text, any_string, json_values, st.text(min_size=190, max_size=260))
        for key in JSONL_FIELDS
    },
)


@FEWER
@given(st.lists(st.one_of(records, json_values, any_string), min_size=1, max_size=6))
def test_jsonl_lines_of_random_json_values(values):
    lines = [json.dumps(value) for value in values]
    read_file("\n".join(lines).encode(), "dump.jsonl")


@FEWER
@given(st.binary(max_size=2000))
def test_jsonl_of_random_bytes(data):
    read_file(data, "dump.jsonl")


def test_a_deeply_nested_jsonl_line_is_one_error():
    lines = [b"[" * 100_000, json.dumps({"text": "正文。"}).encode()]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "deep.jsonl"
        path.write_bytes(b"\n".join(lines))
        first, second = iter_sources([path])
    assert isinstance(first, SourceError) and first.name == f"{path}:1"
    assert isinstance(second, Source) and second.text == "正文。"


def test_a_jsonl_line_longer_than_the_limit_is_refused_without_holding_it(tmp_path):
    path = tmp_path / "long.jsonl"
    with path.open("wb") as handle:
        handle.write(b'{"text": "' + b"x" * (2 * MAX_BYTES) + b'"}\n')
        handle.write(json.dumps({"text": "正文。"}).encode() + b"\n")
    first, second = iter_sources([path])
    assert isinstance(first, SourceError) and "over the 5 MB limit" in first.reason
    assert first.name == f"{path}:1"
    assert isinstance(second, Source) and second.name == f"{path}:2"


# --- archives -------------------------------------------------------------------------

member_names = st.text(
    st.sampled_from("abc文章/.\\:_-😀 \x00"), min_size=1, max_size=30
) | st.sampled_from(["a.txt", "dump.jsonl", "../x.txt", "/abs.txt", "C:\\x.txt", "d/"])


def zip_bytes(members: list[tuple[str, bytes]], method: int) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=method) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()


def tar_bytes(members: list[tuple[str, bytes]], mode: str) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode) as archive:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def mutate(data: bytes, draw) -> bytes:
    """Return data truncated, or with a few bytes overwritten, or as it is."""
    how = draw(st.sampled_from(["keep", "truncate", "overwrite"]), label="mutation")
    if how == "truncate" and data:
        return data[: draw(st.integers(0, len(data) - 1), label="cut")]
    if how == "overwrite" and data:
        damaged = bytearray(data)
        for _ in range(draw(st.integers(1, 8), label="bytes overwritten")):
            damaged[draw(st.integers(0, len(damaged) - 1))] = draw(st.integers(0, 255))
        return bytes(damaged)
    return data


archive_members = st.lists(
    st.tuples(member_names, st.one_of(article_text.map(str.encode), st.binary(max_size=300))),
    min_size=1,
    max_size=4,
)


@FUZZ
@given(
    archive_members,
    st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2]),
    st.data(),
)
def test_damaged_zip_archives(members, method, data):
    read_file(mutate(zip_bytes(members, method), data.draw), "dump.zip")


@FUZZ
@given(archive_members, st.sampled_from(["w", "w:gz", "w:bz2", "w:xz"]), st.data())
def test_damaged_tar_archives(members, mode, data):
    read_file(mutate(tar_bytes(members, mode), data.draw), "dump.tar.gz")


@FUZZ
@given(
    st.sampled_from([b"PK\x03\x04", b"PK\x05\x06", b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00"]),
    st.binary(max_size=1500),
)
def test_random_bytes_behind_archive_magic(magic, data):
    read_file(magic + data, "dump.bin")


@FEWER
@given(st.binary(max_size=1500))
def test_random_bytes_that_look_like_a_plain_tar(data):
    header = bytearray(data.ljust(512, b"\0"))
    header[257:262] = b"ustar"
    read_file(bytes(header), "dump.tar")


# --- the command -----------------------------------------------------------------------

GOOD = {
    "good1.txt": "普京与特朗普通话\n俄罗斯总统普京周二表示,和平谈判仍在继续。佩斯科夫说,会再谈。",
    "good2.txt": "泽连斯基访问华盛顿\n乌克兰总统泽连斯基说:“我们需要和平。”据塔斯社报道,下周再谈。",
}


def bad_files() -> dict[str, bytes]:
    """Files the import must refuse one by one, found while fuzzing or known to be hostile."""
    noise = random.Random(7)  # noqa: S311 - reproducible test data, not a secret
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_BZIP2) as archive:
        archive.writestr("bomb.txt", b"\0" * (20 * 1024 * 1024))
    return {
        "random.bin": noise.randbytes(3000),
        "bom_nul.txt": codecs.BOM_UTF8 + "标题\n正文\x00正文。".encode(),
        "utf16_nul.txt": "标题\n正文\x00正文。".encode("utf-16"),
        "surrogate.jsonl": b'{"text": "\\ud800\\u6b63\\u6587"}\n',
        "nul.jsonl": b'{"text": "\\u6b63\\u6587\\u0000"}\n',
        "long_outlet.jsonl": json.dumps({"text": "正文。", "outlet": "社" * 300}).encode(),
        "deep.jsonl": b"[" * 50_000,
        "bomb.zip": bomb.getvalue(),
        "broken.tar.gz": gzip.compress(b"not a tar" * 100)[:-10],
        "broken.zip": b"PK\x03\x04" + noise.randbytes(200),
        "bz2.tar": b"BZh9" + noise.randbytes(200),
        "\x1b[2Jescape.txt": b"\x1b[31m" + noise.randbytes(500),
    }


@pytest.mark.django_db(transaction=True)
def test_the_command_imports_good_files_and_names_each_bad_one(tmp_path, capsys):
    from django.core.management import execute_from_command_line

    from articles.models import Article

    for name, text in GOOD.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    bad = bad_files()
    for name, data in bad.items():
        (tmp_path / name).write_bytes(data)

    argv = ["manage.py", "import_articles", str(tmp_path), "--workers", "1", "--quiet"]
    with pytest.raises(SystemExit) as exit_:
        execute_from_command_line(argv)
    out, err = capsys.readouterr()

    assert exit_.value.code == 1
    assert "Traceback" not in out + err
    assert "\x1b" not in out + err, "file names are printed with control characters escaped"
    assert {Path(a.source_name).name for a in Article.objects.all()} == set(GOOD)
    failed_lines = [line for line in err.splitlines() if line.startswith("  ")]
    for name in bad:
        shown = name.replace("\x1b", "\\x1b")
        assert any(f"{tmp_path / shown}" in line for line in failed_lines), (name, err)
    reasons = {
        "bom_nul.txt": "NUL characters",
        "surrogate.jsonl:1": "unpaired surrogate",
        "nul.jsonl:1": "NUL character",
        "long_outlet.jsonl:1": "field 'outlet' is over 200 characters",
        "deep.jsonl:1": "nested too deeply",
        "bomb.zip:bomb.txt": "compression method 12 is not read",
    }
    for name, reason in reasons.items():
        [line] = [line for line in failed_lines if line.startswith(f"  {tmp_path / name}: ")]
        assert reason in line
    assert f"  {'added':<16}{len(GOOD):>8}" in out
    assert f"  {'failed':<16}{len(bad):>8}" in out
