"""rescan_entities: the entities of stored articles found again after the aliases changed."""

import io
import signal
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Count

from annotations.models import Suggestion
from articles.models import Alias, Article, Entity, Mention
from articles.pipeline import worker
from articles.services import alias_index, articles_containing, entity_merge, mentions_rescan
from articles.services import rescan as rescan_module
from benchmarks.dumpgen import write_dump
from tests.articles.test_import_interrupted import env
from tests.conftest import import_paths
from tests.seed import ensure_seed_data

pytestmark = pytest.mark.django_db

NICKNAME_TEXT = (
    "俄乌和谈新进展\n"
    "据俄罗斯媒体报道，普大帝周五在莫斯科会见了美国特使维特科夫，双方讨论了停火方案。"
    "佩斯科夫说，会谈富有成效。\n"
    "分析人士认为，普大帝希望在谈判中争取更多筹码。"
)


def rescan(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("rescan_entities", *args, "--quiet", "--workers", "1", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def mentions_of(article: Article) -> set[tuple[str, int, int, str]]:
    return set(article.mentions.values_list("entity__name", "start", "end", "method"))


def counters_are_exact() -> bool:
    """Return whether every entity's counters equal a count of its mentions."""
    counted = {
        row["entity"]: (row["m"], row["a"])
        for row in Mention.objects.values("entity").annotate(
            m=Count("id"), a=Count("article", distinct=True)
        )
    }
    return all(
        (e.mention_count, e.article_count) == counted.get(e.pk, (0, 0))
        for e in Entity.objects.all()
    )


def putin() -> Entity:
    return Alias.objects.get(normalized="普京").entity


def test_an_added_alias_is_found_in_articles_imported_before(write_article, samples):
    article = write_article(NICKNAME_TEXT)
    first = article.body.index("普大帝")
    second = article.body.index("普大帝", first + 1)
    assert not any(start in (first, second) for _, start, _, _ in mentions_of(article))
    Alias.objects.create(entity=putin(), name="普大帝", normalized="普大帝", origin="manual")

    out, _ = rescan("--containing", "普大帝")

    found = mentions_of(article)
    assert ("普京", first, first + 3, "lexicon") in found
    assert ("普京", second, second + 3, "lexicon") in found
    assert "articles                 1" in out and "changed                  1" in out
    assert "mentions added           2" in out and "mentions removed         0" in out
    assert counters_are_exact()


def test_articles_whose_mentions_did_not_change_are_not_rewritten(write_article, samples):
    write_article(NICKNAME_TEXT)
    mentions_rescan()  # settles what the import learnt meanwhile
    ids = set(Mention.objects.filter(article__in=samples.values()).values_list("pk", flat=True))
    Alias.objects.create(entity=putin(), name="普大帝", normalized="普大帝", origin="manual")

    result = mentions_rescan()

    assert (result.articles, result.changed) == (5, 1)
    assert ids == set(
        Mention.objects.filter(article__in=samples.values()).values_list("pk", flat=True)
    )


def test_a_second_rescan_changes_nothing(samples):
    first = mentions_rescan()
    second = mentions_rescan()
    assert first.articles == second.articles == 4
    assert (second.changed, second.added, second.removed) == (0, 0, 0)
    assert counters_are_exact()


def test_a_removed_alias_takes_its_mentions_with_it(write_article, samples):
    alias = Alias.objects.create(
        entity=putin(), name="普大帝", normalized="普大帝", origin="manual"
    )
    article = write_article(NICKNAME_TEXT)
    assert sum(name == "普京" and method == "lexicon" for name, *_, method in mentions_of(article))
    before = putin().mention_count
    alias.delete()

    result = mentions_rescan(articles=Article.objects.filter(pk=article.pk))

    assert (result.changed, result.removed) == (1, 2)
    start = article.body.index("普大帝")
    assert not any(s == start for _, s, _, _ in mentions_of(article))
    assert putin().mention_count == before - 2
    assert counters_are_exact()


def test_a_traditional_article_is_found_by_its_simplified_alias(write_article, samples):
    zelensky = Alias.objects.get(normalized="泽连斯基").entity
    article = write_article(
        "烏克蘭局勢\n烏克蘭的澤總統週五表示，和談必須有烏方參與。", name="tw.txt"
    )
    Alias.objects.create(entity=zelensky, name="泽总统", normalized="泽总统", origin="manual")

    rescan("--containing", "泽总统")

    start = article.body.index("澤總統")
    assert ("泽连斯基", start, start + 3, "lexicon") in mentions_of(article)
    assert Article.objects.get(pk=article.pk).body == article.body  # never rewritten


def test_a_latin_alias_is_looked_for_in_any_case(write_article, samples):
    article = write_article(
        "俄乌和谈\n美国特使WITKOFF周五抵达莫斯科，与普京举行会谈。", name="caps.txt"
    )
    found = list(articles_containing("Witkoff").order_by("pk"))
    assert article in found
    assert found == [a for a in Article.objects.order_by("pk") if "witkoff" in a.body.lower()]
    assert list(articles_containing("泽连斯基").order_by("pk")) == list(
        Article.objects.filter(body__contains="泽连斯基").order_by("pk")
    )


def test_a_dry_run_counts_and_stores_nothing(write_article, samples):
    article = write_article(NICKNAME_TEXT)
    mentions_rescan()
    Alias.objects.create(entity=putin(), name="普大帝", normalized="普大帝", origin="manual")
    before = mentions_of(article)

    out, _ = rescan("--dry-run")

    assert out.startswith("Dry run (nothing stored)")
    assert "changed                  1" in out and "mentions added           2" in out
    assert mentions_of(article) == before
    assert counters_are_exact()


def test_mentions_go_to_the_survivor_of_a_merge_made_after_the_aliases_were_read(
    write_article, samples, monkeypatch
):
    article = write_article(NICKNAME_TEXT)
    nickname = Entity.objects.create(name="普大帝", kind="person")
    Alias.objects.create(entity=nickname, name="普大帝", normalized="普大帝", origin="manual")
    index = alias_index()  # taken before the merge, as a long rescan holds it
    entity_merge(survivor=putin(), merged=nickname, user=None)
    monkeypatch.setattr(rescan_module, "alias_index", lambda: index)

    mentions_rescan(articles=Article.objects.filter(pk=article.pk))

    start = article.body.index("普大帝")
    assert ("普京", start, start + 3, "lexicon") in mentions_of(article)
    assert not Mention.objects.filter(entity=nickname).exists()
    assert counters_are_exact()


def test_suggestions_and_bodies_are_left_alone(write_article, samples):
    article = write_article(NICKNAME_TEXT)
    suggestions = list(Suggestion.objects.order_by("pk").values())
    Alias.objects.create(entity=putin(), name="普大帝", normalized="普大帝", origin="manual")
    mentions_rescan()
    assert list(Suggestion.objects.order_by("pk").values()) == suggestions
    assert Article.objects.get(pk=article.pk).body == article.body


def test_two_workers_find_what_one_finds(write_article, samples):
    write_article(NICKNAME_TEXT)
    Alias.objects.create(entity=putin(), name="普大帝", normalized="普大帝", origin="manual")
    in_one = mentions_rescan(dry_run=True)
    in_two = mentions_rescan(workers=2)
    assert (in_one.articles, in_one.changed, in_one.added, in_one.removed) == (
        in_two.articles,
        in_two.changed,
        in_two.added,
        in_two.removed,
    )
    assert in_two.changed >= 1 and not in_two.failed


def test_narrowing_options_combine(samples):
    first = min(a.pk for a in samples.values())
    batch = samples["000"].batch_id
    zelensky = Alias.objects.get(normalized="泽连斯基").entity

    assert "articles                 1" in rescan("--article", str(first))[0]
    assert "articles                 4" in rescan("--batch", str(batch))[0]
    assert "articles                 4" in rescan("--entity", str(zelensky.pk))[0]
    assert "articles                 0" in rescan("--containing", "不存在的名字")[0]
    both = rescan("--batch", str(batch), "--containing", "拉夫罗夫")[0]
    assert "articles                 1" in both


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--article", "999999"], "--article: no article 999999"),
        (["--batch", "999999"], "--batch: no import #999999"),
        (["--entity", "999999"], "--entity: no entity 999999"),
        (["--containing", " "], "--containing: give the text to look for"),
        (["--workers", "0"], "--workers must be 1 or more"),
    ],
)
def test_usage_errors_exit_with_status_2(samples, args, message):
    with pytest.raises(CommandError) as caught:
        call_command("rescan_entities", *args, "--quiet", stdout=io.StringIO())
    assert caught.value.returncode == 2
    assert message in str(caught.value)


def test_an_article_that_fails_is_named_and_keeps_its_mentions(samples, monkeypatch):
    broken = samples["001"]
    before = mentions_of(broken)
    real = worker.cut_and_extract

    def failing(text, *args, **kwargs):
        if text == broken.body:
            raise RuntimeError("boom")
        return real(text, *args, **kwargs)

    monkeypatch.setattr(worker, "cut_and_extract", failing)
    err = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command(
            "rescan_entities", "--quiet", "--workers", "1", stdout=io.StringIO(), stderr=err
        )
    assert caught.value.returncode == 1
    assert (
        f"article {broken.pk}: internal error while finding entities: RuntimeError('boom')"
        in err.getvalue()
    )
    assert mentions_of(broken) == before


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_ctrl_c_mid_rescan_leaves_whole_articles_and_a_rerun_finishes(tmp_path):
    ensure_seed_data()
    import_paths(write_dump(tmp_path / "dump", 600))
    trump = Alias.objects.get(normalized="川普").entity
    Alias.objects.filter(normalized="川普").delete()
    before = Entity.objects.get(pk=trump.pk).mention_count

    def as_chuanpu() -> int:
        """Return how many of Trump's mentions are the spelling just removed."""
        rows = trump.mentions.values_list("article__body", "start", "end")
        return sum(body[start:end] == "川普" for body, start, end in rows)

    assert as_chuanpu() > 60
    # The last article stays locked until the rescan has been interrupted: the rescan
    # locks each chunk's articles before it writes them, so its last chunk waits, and the
    # signal always lands part way (left to itself, the rescan could finish first). The
    # lock goes a second after the signal, which Python has taken by then, so that the
    # test never waits on itself.
    locker = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        locker.set_autocommit(False)
        with locker.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM articles_article WHERE id = (SELECT max(id) FROM articles_article)"
                " FOR UPDATE"
            )
        command = [sys.executable, "manage.py", "rescan_entities", "--workers", "2"]
        process = subprocess.Popen(
            command,
            cwd=settings.BASE_DIR,
            env=env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            # Ctrl-C as at a terminal: a test run started in the background (`make test &`
            # from a script) hands its children SIGINT ignored, and Python keeps that.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        deadline = time.monotonic() + 120
        while Entity.objects.get(pk=trump.pk).mention_count == before:  # a chunk committed
            assert process.poll() is None, process.stderr.read().decode()
            assert time.monotonic() < deadline, "the rescan made no progress"
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)
        time.sleep(1)
    finally:
        locker.rollback()
        locker.close()
    _, err = process.communicate(timeout=60)

    assert process.returncode == 130, err.decode()
    assert "Each article has either its old mentions or its new ones" in err.decode()
    assert as_chuanpu() > 0  # stopped part way
    assert counters_are_exact()

    rerun = subprocess.run(
        [*command, "--quiet"], cwd=settings.BASE_DIR, env=env(), capture_output=True, text=True
    )
    assert rerun.returncode == 0, rerun.stderr
    assert as_chuanpu() == 0
    assert counters_are_exact()
