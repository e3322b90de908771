"""Inputs a dump may hold that no sample does: names that are not UTF-8, pipes and
links, JSON Lines with odd fields, a stop by SIGTERM. Each is reported by name, or
imported, never a traceback; nothing stored is half-written."""

import io
import json
import os
import signal
import tarfile
import time
import zipfile

import pytest
from django.core.management import CommandError, call_command

import articles.services.imports
from articles.models import Article, ImportBatch
from articles.pipeline.sources import storable_name
from tests.articles.test_import import SAMPLES, run_failing_import, run_import

pytestmark = pytest.mark.django_db

TEXT = (
    "泽连斯基访问华盛顿\n\n"
    "乌克兰总统泽连斯基周三抵达华盛顿，与美国官员讨论停火方案。他说，乌克兰需要安全保障。\n"
)
OTHER = (
    "普京会见美国特使\n\n"
    "俄罗斯总统普京周四在莫斯科会见美国特使维特科夫。佩斯科夫表示会谈富有建设性。\n"
)


def test_a_file_name_that_is_not_utf8_is_imported_under_a_readable_name(tmp_path):
    folder = tmp_path / "dump"
    folder.mkdir()
    (folder / "a.txt").write_text(TEXT)
    with open(os.path.join(os.fsencode(folder), b"b_\xb9\xfa.txt"), "w") as f:
        f.write(OTHER)
    run_import(str(folder))
    names = sorted(Article.objects.values_list("source_name", flat=True))
    assert names == [f"{folder}/a.txt", f"{folder}/b_\\xb9\\xfa.txt"]


def test_a_tar_member_name_that_is_not_utf8_is_imported(tmp_path):
    archive = tmp_path / "dump.tar.gz"
    with tarfile.open(archive, "w:gz", format=tarfile.GNU_FORMAT) as tar:
        for name, text in (("good.txt", TEXT), ("bad\udcff.txt", OTHER)):
            info = tarfile.TarInfo(name)
            data = text.encode()
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    run_import(str(archive))
    assert Article.objects.filter(source_name=f"{archive}:bad\\xff.txt").exists()
    assert Article.objects.count() == 2
    assert ImportBatch.objects.get().status == ImportBatch.Status.FINISHED


def test_paths_and_options_that_are_not_utf8(tmp_path):
    missing = os.fsdecode(os.path.join(os.fsencode(tmp_path), b"no\xffne.txt"))
    error, err = run_failing_import(missing, str(SAMPLES))
    assert error.returncode == 1
    assert "no\\xffne.txt: no such file or directory" in err
    batch = ImportBatch.objects.get()
    assert batch.added == 4 and batch.failed == 1
    assert batch.errors[0]["file"].endswith("no\\xffne.txt")


def test_storable_names_show_stray_bytes_and_keep_the_rest():
    assert storable_name("新闻.txt") == "新闻.txt"
    assert storable_name("b_\udcb9\udcfa.txt") == "b_\\xb9\\xfa.txt"  # bytes b9 fa
    assert storable_name("x\ud800y") == "x\\ud800y"  # a surrogate that is no byte


def test_a_pipe_given_as_path_is_refused_not_waited_on(tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    started = time.monotonic()
    error, err = run_failing_import(str(fifo))
    assert time.monotonic() - started < 30
    assert "pipe.txt: not a regular file" in err and error.returncode == 1


def test_a_folders_pipes_and_links_are_reported(tmp_path):
    folder = tmp_path / "dump"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.txt").write_text(TEXT)
    os.mkfifo(folder / "pipe.txt")
    (folder / "to-pipe.txt").symlink_to(folder / "pipe.txt")
    (folder / "dangling.txt").symlink_to(tmp_path / "nowhere")
    (folder / "folder-link").symlink_to(folder / "sub")
    error, err = run_failing_import(str(folder))
    assert error.returncode == 1
    assert "/pipe.txt: not a regular file" in err
    assert "/to-pipe.txt: not a regular file" in err
    assert "dangling.txt: a link to nothing" in err
    assert "folder-link: a link to a folder (not followed)" in err
    assert Article.objects.count() == 1
    assert ImportBatch.objects.get().failed == 4


@pytest.mark.parametrize(
    ("published", "stored"),
    [("2025-03-01", "2025-03-01"), ("2025-03-01T23:30:00+08:00", "2025-03-01")],
)
def test_jsonl_published_takes_iso_dates(tmp_path, published, stored):
    dump = tmp_path / "dump.jsonl"
    dump.write_text(json.dumps({"text": TEXT, "published": published}) + "\n")
    run_import(str(dump))
    assert Article.objects.get().published.isoformat() == stored


@pytest.mark.parametrize(
    "published", ["2025年3月1日", "yesterday", "12/03/2025", "2025-02-30", "2025-03-01garbage"]
)
def test_jsonl_published_that_is_no_date_fails_the_record(tmp_path, published):
    dump = tmp_path / "dump.jsonl"
    dump.write_text(
        json.dumps({"text": TEXT, "published": published}) + "\n" + json.dumps({"text": OTHER})
    )
    _, err = run_failing_import(str(dump), "--published", "2024-01-01")
    assert f"dump.jsonl:1: field 'published' is not an ISO date (YYYY-MM-DD): {published!r}" in err
    assert Article.objects.get().published.isoformat() == "2024-01-01"  # record 2's


def test_jsonl_text_of_control_characters_is_binary_as_in_a_file(tmp_path):
    junk = "\x01\x02\x03\x1b[31m" * 50 + "据报道，双方代表在利雅得举行了会谈，讨论停火安排。"
    dump = tmp_path / "dump.jsonl"
    dump.write_text(json.dumps({"text": junk}) + "\n" + json.dumps({"text": TEXT, "title": junk}))
    _, err = run_failing_import(str(dump))
    assert "dump.jsonl:1: field 'text' is binary (control characters)" in err
    assert "dump.jsonl:2: field 'title' is binary (control characters)" in err
    assert not Article.objects.exists()


def test_jsonl_lines_are_the_same_on_disk_and_in_an_archive(tmp_path):
    lines = json.dumps({"text": TEXT}) + "\r" + json.dumps({"text": OTHER}) + "\n"
    plain = tmp_path / "records.jsonl"
    plain.write_bytes(lines.encode())
    archive = tmp_path / "records.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("records.jsonl", lines)
    results = []
    for path in (plain, archive):
        _, err = run_failing_import(str(path))
        results.append(err.replace(f"{archive}:records.jsonl", "PATH").replace(str(plain), "PATH"))
    assert results[0] == results[1]
    assert "PATH:1: malformed JSON line" in results[0]


def test_a_dry_run_counts_near_duplicates_as_the_import_does(tmp_path):
    text = (SAMPLES / "000_2a6d5082bc5fee0b.txt").read_text()
    dump = tmp_path / "dump"
    dump.mkdir()
    (dump / "a.txt").write_text(text)
    (dump / "b.txt").write_text(text.replace("周五会见了", "周五在圣彼得堡会见了"))
    (dump / "c.txt").write_text(text)
    dry, _ = run_import(str(dump), "--dry-run")
    real, _ = run_import(str(dump))
    assert Article.objects.filter(near_duplicate_of__isnull=False).count() == 1
    for out in (dry, real):
        assert "near-duplicates        1" in out and "duplicates             1" in out
    again, _ = run_import(str(dump), "--dry-run")  # against what is stored now
    assert "duplicates             3" in again


def test_sigterm_stops_an_import_as_ctrl_c_does(tmp_path, monkeypatch):
    """SIGTERM (systemd, docker stop, timeout) ends the import cleanly: the batch is marked
    interrupted, the status is 143 and SIGTERM's handler is restored after."""
    original = articles.services.imports._import_all

    def terminated_part_way(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)  # the handler raises in here
        return original(*args, **kwargs)

    monkeypatch.setattr(articles.services.imports, "_import_all", terminated_part_way)
    before = signal.getsignal(signal.SIGTERM)
    err = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("import_articles", str(SAMPLES), "--quiet", "--workers", "1", stderr=err)
    assert caught.value.returncode == 143
    assert "Interrupted." in err.getvalue()
    assert ImportBatch.objects.get().status == ImportBatch.Status.INTERRUPTED
    assert signal.getsignal(signal.SIGTERM) is before


def test_a_given_title_is_one_line_of_visible_text(tmp_path):
    dump = tmp_path / "dump.jsonl"
    records = [{"text": TEXT, "title": "第一行\n第二行"}, {"text": OTHER, "title": "\u200b"}]
    dump.write_text("\n".join(json.dumps(r) for r in records))
    run_import(str(dump))
    first, second = Article.objects.order_by("source_name")
    assert (first.title, first.title_source) == ("第一行 第二行", "given")
    assert second.title_source != "given" and second.title.strip()


def test_a_long_published_value_is_cut_in_the_error(tmp_path):
    dump = tmp_path / "dump.jsonl"
    dump.write_text(json.dumps({"text": TEXT, "published": "x" * 100_000}))
    _, err = run_failing_import(str(dump))
    assert f"is not an ISO date (YYYY-MM-DD): '{'x' * 40}…'" in err
    assert len(ImportBatch.objects.get().errors[0]["reason"]) < 200


def test_a_title_with_a_stray_control_character_or_two_is_kept(tmp_path):
    dump = tmp_path / "dump.jsonl"
    body = (SAMPLES / "003_3f811ed415383699.txt").read_text().split("\n", 1)[1]
    dump.write_text(json.dumps({"text": body, "title": "会谈 \x96 莫斯科 \x96 基辅"}))
    run_import(str(dump))
    assert Article.objects.get().title_source == "given"


def test_the_interrupt_guard_works_in_a_thread_other_than_the_main_one():
    """Python takes signals in the main thread only: a command run from a job runner's
    thread runs, leaving SIGTERM as it was."""
    import threading

    from articles.management.terminal import closing_on_interrupt

    before = signal.getsignal(signal.SIGTERM)
    outcome = []

    class Bar:
        def update(self, n: int = 1) -> None: ...

        def close(self) -> None:
            outcome.append("closed")

    def run():
        try:
            with closing_on_interrupt(Bar(), io.StringIO(), "stopped"):
                outcome.append("ran")
        except Exception as error:
            outcome.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(10)
    assert outcome == ["ran", "closed"]
    assert signal.getsignal(signal.SIGTERM) is before
