"""Article list, reader, entity pages and overview through Django's test client."""

import pytest

from articles.models import Alias, Article, Entity, EntityMerge, Mention


def test_list_shows_the_samples_with_counts(analyst_client, samples):
    page = analyst_client.get("/")
    assert page.status_code == 200
    assert "4 articles" in page.content.decode()
    assert samples["001"].title in page.content.decode()


def test_search_highlights_hits_in_a_snippet(analyst_client, samples):
    html = analyst_client.get("/", {"q": "川普"}).content.decode()
    assert "<mark>特朗普</mark>" in html or "<mark>川普</mark>" in html
    assert "Matching every alias of" in html


def test_empty_result_says_so_and_suggests_dropping_a_filter(analyst_client, samples):
    html = analyst_client.get("/", {"q": "不存在的词语组合", "outlet": "样本报"}).content.decode()
    assert "No article matches." in html and "dropping a filter" in html


def test_filters_stay_in_the_url_of_pagination_links(analyst_client, samples):
    html = analyst_client.get("/", {"q": "普京", "outlet": "样本报"}).content.decode()
    assert 'value="普京"' in html and "selected>样本报" in html


def test_outlet_and_entity_filters(analyst_client, samples):
    lavrov = Alias.objects.get(normalized="拉夫罗夫").entity
    page = analyst_client.get("/", {"entity": lavrov.pk})
    assert [a.pk for a in page.context["rows"]] == [samples["002"].pk]
    assert analyst_client.get("/", {"outlet": "别的报"}).context["page"].paginator.count == 0


def test_near_duplicates_are_folded_unless_asked(analyst_client, samples, write_article):
    copy = write_article(
        samples["000"].raw_text.replace("周五会见了", "周五在圣彼得堡会见了"), name="copy.txt"
    )
    assert copy.near_duplicate_of_id == samples["000"].pk
    folded = analyst_client.get("/")
    assert copy.pk not in [a.pk for a in folded.context["rows"]]
    original = next(a for a in folded.context["rows"] if a.pk == samples["000"].pk)
    assert original.copy_count == 1
    shown = analyst_client.get("/", {"copies": "show"})
    assert copy.pk in [a.pk for a in shown.context["rows"]]


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"page": "abc"}, 200),
        ({"page": "999999"}, 200),
        ({"q": "x" * 10_000}, 400),
        ({"entity": "99999"}, 400),
        ({"entity": "abc"}, 400),
        ({"sort": "nonsense"}, 400),
        ({"q": "<script>alert(1)</script>' OR 1=1 --"}, 200),
        ({"outlet": "'; DROP TABLE x; --"}, 200),
    ],
)
def test_bad_input_gets_a_normal_page(analyst_client, samples, params, status):
    response = analyst_client.get("/", params)
    assert response.status_code == status
    assert b"<script>alert(1)" not in response.content


def test_unknown_article_and_entity_are_404(analyst_client, db):
    assert analyst_client.get("/articles/999999/").status_code == 404
    assert analyst_client.get("/entities/999999/").status_code == 404
    assert analyst_client.get("/articles/999999/raw/").status_code == 404


def test_reader_highlights_mentions_with_names_and_links(analyst_client, samples):
    article = samples["000"]
    html = analyst_client.get(f"/articles/{article.pk}/").content.decode()
    zelensky = Alias.objects.get(normalized="泽连斯基").entity
    assert f'href="/entities/{zelensky.pk}/"' in html
    assert 'class="ent kind-person"' in html
    assert "Volodymyr Zelensky" in html  # hover / focus tip
    assert 'lang="zh"' in html
    assert "What cleaning removed" in html and "trailing_link_list" in html


def test_reader_paragraph_offsets_are_code_points(analyst_client, samples):
    article = samples["003"]
    page = analyst_client.get(f"/articles/{article.pk}/")
    for paragraph in page.context["paragraphs"]:
        text = "".join(piece.text for piece in paragraph.pieces)
        assert article.body[paragraph.start : paragraph.end] == text


def test_raw_page_shows_the_file_verbatim(analyst_client, samples):
    html = analyst_client.get(f"/articles/{samples['002'].pk}/raw/").content.decode()
    assert "随便看看" in html


def test_hostile_article_text_is_escaped_everywhere(analyst_client, write_article):
    article = write_article(
        "<script>alert('t')</script>标题\n"
        '正文<img src=x onerror=alert(1)>里有<a href="javascript:alert(2)">链接</a>。'
        "\u202e反转\u200b",
        name="evil.txt",
    )
    for url in ["/", f"/articles/{article.pk}/", f"/articles/{article.pk}/raw/", "/?q=标题"]:
        html = analyst_client.get(url).content.decode()
        assert "<script>alert" not in html and "<img src=x" not in html
        assert 'href="javascript:' not in html
    assert "&lt;script&gt;" in analyst_client.get(f"/articles/{article.pk}/").content.decode()


def test_previous_and_next_follow_the_list(analyst_client, samples):
    listing = analyst_client.get("/", {"sort": "title"})
    order = [a.pk for a in listing.context["rows"]]
    page = analyst_client.get(f"/articles/{order[1]}/")
    assert page.context["neighbours"]["previous"] == f"/articles/{order[0]}/"
    assert page.context["neighbours"]["next"] == f"/articles/{order[2]}/"


def test_entity_list_by_kind_and_search(analyst_client, samples):
    page = analyst_client.get("/entities/", {"kind": "person", "q": "Zelensky"})
    names = [e.name for e in page.context["page"].object_list]
    assert names == ["泽连斯基"]
    outlets = analyst_client.get("/entities/", {"kind": "outlet"}).context["page"].object_list
    assert all(e.kind == "outlet" for e in outlets)


def test_entity_page_lists_aliases_and_articles(analyst_client, samples):
    zelensky = Alias.objects.get(normalized="泽连斯基").entity
    page = analyst_client.get(f"/entities/{zelensky.pk}/")
    html = page.content.decode()
    assert "则连斯基" in html and "泽伦斯基" in html
    assert len(page.context["page"].object_list) == 4
    assert "Merge another entity" not in html  # analysts do not edit


def test_reviewer_adds_and_removes_an_alias(reviewer_client, samples):
    putin = Alias.objects.get(normalized="普京").entity
    response = reviewer_client.post(f"/entities/{putin.pk}/aliases/", {"name": "普大帝"})
    assert response.status_code == 302
    alias = Alias.objects.get(normalized="普大帝")
    assert alias.entity == putin and alias.origin == "manual"
    taken = reviewer_client.post(f"/entities/{putin.pk}/aliases/", {"name": "特朗普"}, follow=True)
    assert "already names 特朗普" in taken.content.decode()
    reviewer_client.post(f"/entities/{putin.pk}/aliases/{alias.pk}/delete/")
    assert not Alias.objects.filter(normalized="普大帝").exists()


NICKNAME_TEXT = "俄乌和谈\n据报道，普大帝周五在莫斯科会见了美国特使维特科夫，双方讨论了停火方案。"


def test_an_alias_added_on_the_page_is_found_in_imported_articles(
    reviewer_client, samples, write_article
):
    article = write_article(NICKNAME_TEXT)
    putin = Alias.objects.get(normalized="普京").entity
    start = article.body.index("普大帝")
    page = reviewer_client.post(f"/entities/{putin.pk}/aliases/", {"name": "普大帝"}, follow=True)
    assert article.mentions.filter(entity=putin, start=start, end=start + 3).exists()
    assert (
        "Rescanned the 1 articles that contain “普大帝”: mentions changed in 1."
        in page.content.decode()
    )
    putin.refresh_from_db()
    assert putin.mention_count == putin.mentions.count()

    alias = Alias.objects.get(normalized="普大帝")
    page = reviewer_client.post(f"/entities/{putin.pk}/aliases/{alias.pk}/delete/", follow=True)
    assert not article.mentions.filter(start=start).exists()
    assert "mention 普京 as “普大帝”: mentions changed in 1." in page.content.decode()
    assert not Alias.objects.filter(normalized="普大帝").exists()  # not learnt back


def test_an_alias_in_too_many_articles_is_left_to_the_command(
    reviewer_client, samples, write_article, monkeypatch
):
    from articles.services import rescan

    monkeypatch.setattr(rescan, "PAGE_LIMIT", 0)
    article = write_article(NICKNAME_TEXT)
    putin = Alias.objects.get(normalized="普京").entity
    page = reviewer_client.post(f"/entities/{putin.pk}/aliases/", {"name": "普大帝"}, follow=True)
    assert "manage.py rescan_entities --containing 普大帝" in page.content.decode()
    assert Alias.objects.filter(normalized="普大帝").exists()
    assert not article.mentions.filter(start=article.body.index("普大帝")).exists()


def test_analyst_cannot_edit_aliases_or_merge(analyst_client, samples):
    putin = Alias.objects.get(normalized="普京").entity
    assert analyst_client.post(f"/entities/{putin.pk}/aliases/", {"name": "x"}).status_code == 403
    assert analyst_client.post(f"/entities/{putin.pk}/merge/", {"other": 1}).status_code == 403


def test_merge_moves_aliases_and_mentions_and_redirects(reviewer_client, samples, reviewer):
    zelensky = Alias.objects.get(normalized="泽连斯基").entity
    duplicate = Entity.objects.create(name="泽连斯基总统", kind="person")
    Alias.objects.create(entity=duplicate, name="泽总统", normalized="泽总统")
    article = samples["000"]
    Mention.objects.create(article=article, entity=duplicate, start=0, end=2, method="lexicon")
    before = zelensky.mentions.count()
    asked = reviewer_client.post(f"/entities/{zelensky.pk}/merge/", {"other": duplicate.pk})
    assert asked.status_code == 200  # the confirmation, naming both; nothing merged yet
    assert "泽连斯基总统" in asked.content.decode() and "cannot be undone" in asked.content.decode()
    duplicate.refresh_from_db()
    assert duplicate.merged_into is None and not EntityMerge.objects.exists()
    response = reviewer_client.post(
        f"/entities/{zelensky.pk}/merge/", {"other": duplicate.pk, "confirm": "yes"}
    )
    assert response.status_code == 302
    duplicate.refresh_from_db()
    zelensky.refresh_from_db()
    assert duplicate.merged_into == zelensky
    assert Alias.objects.get(normalized="泽总统").entity == zelensky
    assert zelensky.mentions.count() == before + 1
    assert zelensky.mention_count == before + 1
    record = EntityMerge.objects.get()
    assert (record.merged_by, record.aliases_moved, record.mentions_moved) == (reviewer, 1, 1)
    assert record.snapshot["name"] == "泽连斯基总统"
    redirect = reviewer_client.get(f"/entities/{duplicate.pk}/")
    assert redirect.status_code == 301 and redirect["Location"] == f"/entities/{zelensky.pk}/"


def test_merging_into_itself_is_refused(reviewer_client, samples):
    putin = Alias.objects.get(normalized="普京").entity
    page = reviewer_client.post(f"/entities/{putin.pk}/merge/", {"other": putin.pk}, follow=True)
    assert "No such entity" in page.content.decode()


def test_entities_of_different_kinds_do_not_merge(reviewer_client, samples):
    putin = Alias.objects.get(normalized="普京").entity
    kremlin = Entity.objects.create(name="克里姆林宫新闻处", kind="organisation")
    asked = reviewer_client.post(f"/entities/{putin.pk}/merge/", {"other": kremlin.pk})
    assert "Only entities of one kind merge" in asked.content.decode()
    assert "confirm" not in asked.content.decode()  # no button to go on
    page = reviewer_client.post(
        f"/entities/{putin.pk}/merge/", {"other": kremlin.pk, "confirm": "yes"}, follow=True
    )
    assert "only entities of one kind merge" in page.content.decode()
    kremlin.refresh_from_db()
    assert kremlin.merged_into is None and not EntityMerge.objects.exists()


def test_overview_counts_and_chart(analyst_client, samples):
    page = analyst_client.get("/overview/")
    assert page.context["counts"]["articles"] == 4
    assert "<svg" in page.content.decode()
    assert page.context["people"][0].kind == "person"


def test_autocomplete_finds_by_alias_and_latin_name(analyst_client, samples):
    by_alias = analyst_client.get("/entities/autocomplete/", {"q": "川普"}).json()["results"]
    by_latin = analyst_client.get("/entities/autocomplete/", {"q": "trump"}).json()["results"]
    assert by_alias[0]["name"] == "特朗普" == by_latin[0]["name"]


@pytest.mark.parametrize("url", ["/", "/?q=普京", "/entities/", "/overview/"])
def test_outsiders_get_403(outsider_client, url, db):
    assert outsider_client.get(url).status_code == 403


def test_pages_use_a_constant_number_of_queries(
    analyst_client, samples, write_article, django_assert_max_num_queries
):
    for n in range(6):
        write_article(f"新闻{n}号\n普京与特朗普第{n}次通话,泽连斯基表示欢迎。", name=f"n{n}.txt")
    zelensky = Alias.objects.get(normalized="泽连斯基").entity
    for url in [
        "/",
        "/?q=普京",
        f"/articles/{samples['000'].pk}/",
        f"/entities/{zelensky.pk}/",
        "/entities/",
        "/overview/",
    ]:
        with django_assert_max_num_queries(14):
            assert analyst_client.get(url).status_code == 200


def test_entity_page_lists_the_claims_it_made(reviewer_client, samples, analyst):
    from annotations.models import Label
    from annotations.services import Changes, annotation_create

    article = samples["000"]
    peskov = Alias.objects.get(normalized="佩斯科夫").entity
    start = article.body.index("艰苦的工作仍在继续")
    annotation_create(
        user=analyst,
        article=article,
        changes=Changes(
            label=Label.objects.get(name="Claim"),
            start=start,
            end=start + 9,
            text="艰苦的工作仍在继续",
            speaker_entity=peskov,
        ),
    )
    page = reviewer_client.get(f"/entities/{peskov.pk}/")
    assert [c.text for c in page.context["claims"]] == ["艰苦的工作仍在继续"]
    assert "Claims it made" in page.content.decode()


def test_admin_manages_labels(admin_client_, db):
    page = admin_client_.get("/admin/annotations/label/")
    assert page.status_code == 200 and "Claim" in page.content.decode()
    response = admin_client_.post(
        "/admin/annotations/label/add/",
        {
            "name": "Denial",
            "kind": "claim",
            "colour": "#aa0000",
            "shortcut": "4",
            "position": 5,
            "description": "",
        },
    )
    assert response.status_code == 302
    from annotations.models import Label

    assert Label.objects.get(name="Denial").shortcut == "4"


def test_the_unfiltered_count_is_cached_until_the_next_import(
    analyst_client, samples, write_article
):
    def count(**params) -> int:
        return analyst_client.get("/", params).context["page"].paginator.count

    folded = Article.objects.filter(near_duplicate_of__isnull=True).count()
    assert count() == folded and count(copies="show") == Article.objects.count()
    outlet = samples["000"].outlet
    in_outlet = count(outlet=outlet)
    Article.objects.filter(pk=samples["000"].pk).delete()  # as in the admin: not an import
    assert count() == folded  # cached (for five minutes at most)
    assert count(outlet=outlet) == in_outlet - 1  # filtered counts are never cached
    write_article("新的一篇\n乌克兰和俄罗斯周一继续谈判。", name="new.txt")
    write_article("又一篇\n美国国务卿周二抵达日内瓦。", name="new2.txt")
    assert count() == folded + 1  # one deleted, two imported: counted afresh


def test_every_list_filter_offers_to_clear_the_filters(reviewer_client, analyst, samples):
    assert "Clear" not in reviewer_client.get("/").content.decode()
    assert "Clear" in reviewer_client.get("/", {"assignee": analyst.pk}).content.decode()
    assert "Clear" in reviewer_client.get("/", {"outlet": "样本报"}).content.decode()
