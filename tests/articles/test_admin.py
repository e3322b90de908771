"""Entities and aliases edited in the Django admin: the database is the truth after the lexicon.

An edit there reaches the articles already imported, as one on an entity page does, and
leaves the alias table in a state the import can use (each spelling once, every entity
findable by its own name).
"""

import pytest

from articles.models import Alias, Entity, Mention
from articles.services import entity_merge
from tests.articles.test_rescan import NICKNAME_TEXT, counters_are_exact, mentions_of

pytestmark = pytest.mark.django_db

NEW_ORG_TEXT = (
    "俄乌和谈观察\n"
    "东方和平研究院周五发布报告说，停火谈判仍面临困难。"
    "普京的发言人佩斯科夫说，俄方愿意继续对话。\n"
    "东方和平研究院认为，欧洲的参与至关重要。"
)


def change_data(client, entity: Entity | None, **fields: str) -> dict[str, str]:
    """Return the admin form of an entity (a blank one for None) as a browser posts it."""
    url = f"/admin/articles/entity/{entity.pk}/change/" if entity else "/admin/articles/entity/add/"
    page = client.get(url)
    form = page.context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    formset = page.context["inline_admin_formsets"][0].formset
    prefix = formset.prefix
    stored = [f for f in formset.forms if f.instance.pk]
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": str(len(stored)),
            f"{prefix}-INITIAL_FORMS": str(len(stored)),
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000",
        }
    )
    for i, alias_form in enumerate(stored):
        data[f"{prefix}-{i}-id"] = str(alias_form.instance.pk)
        data[f"{prefix}-{i}-entity"] = str(entity.pk) if entity else ""
        data[f"{prefix}-{i}-name"] = alias_form.instance.name
    data.update(fields)
    return data


def with_aliases(data: dict[str, str], *names: str) -> dict[str, str]:
    """Add rows for new aliases to a change_data result."""
    total = int(data["aliases-TOTAL_FORMS"])
    for i, name in enumerate(names, start=total):
        data[f"aliases-{i}-name"] = name
    data["aliases-TOTAL_FORMS"] = str(total + len(names))
    return data


def row_of(data: dict[str, str], name: str) -> int:
    return next(
        int(key.split("-")[1])
        for key, value in data.items()
        if key.endswith("-name") and value == name
    )


def putin() -> Entity:
    return Alias.objects.get(normalized="普京").entity


def page_text(response) -> str:
    return response.content.decode()


def test_an_entity_added_in_the_admin_is_found_in_articles_imported_before(
    admin_client_, samples, write_article
):
    article = write_article(NEW_ORG_TEXT)
    data = change_data(admin_client_, None, name="东方和平研究院", kind="organisation")

    response = admin_client_.post("/admin/articles/entity/add/", data, follow=True)

    assert response.status_code == 200
    entity = Entity.objects.get(name="东方和平研究院")
    alias = Alias.objects.get(entity=entity)  # its name, so that the import finds it
    assert (alias.name, alias.normalized, alias.origin) == (
        "东方和平研究院",
        "东方和平研究院",
        "manual",
    )
    first = article.body.index("东方和平研究院")
    second = article.body.index("东方和平研究院", first + 1)
    found = mentions_of(article)
    assert ("东方和平研究院", first, first + 7, "lexicon") in found
    assert ("东方和平研究院", second, second + 7, "lexicon") in found
    assert (
        "“东方和平研究院” added. Rescanned the 1 articles that contain “东方和平研究院”: "
        "mentions changed in 1." in page_text(response)
    )
    entity.refresh_from_db()
    assert (entity.mention_count, entity.article_count) == (2, 1)
    assert counters_are_exact()


def test_an_alias_added_in_the_admin_is_found_and_a_removed_one_leaves(
    admin_client_, samples, write_article
):
    article = write_article(NICKNAME_TEXT)
    start = article.body.index("普大帝")
    entity = putin()
    url = f"/admin/articles/entity/{entity.pk}/change/"

    added = admin_client_.post(
        url, with_aliases(change_data(admin_client_, entity), "普大帝"), follow=True
    )

    assert Alias.objects.get(normalized="普大帝").entity == entity
    assert ("普京", start, start + 3, "lexicon") in mentions_of(article)
    assert "“普大帝” added. Rescanned the 1 articles" in page_text(added)
    assert counters_are_exact()

    data = change_data(admin_client_, entity)
    data[f"aliases-{row_of(data, '普大帝')}-DELETE"] = "on"
    removed = admin_client_.post(url, data, follow=True)

    assert not Alias.objects.filter(normalized="普大帝").exists()  # and not learnt back
    assert not any(s == start for _, s, _, _ in mentions_of(article))
    assert "“普大帝” removed. Rescanned the 1 articles that mention 普京 as “普大帝”" in page_text(
        removed
    )
    assert counters_are_exact()


def test_an_alias_respelt_in_the_admin_moves_its_mentions(admin_client_, samples, write_article):
    entity = putin()
    Alias.objects.create(entity=entity, name="普大王", normalized="普大王", origin="manual")
    article = write_article(NICKNAME_TEXT)
    start = article.body.index("普大帝")
    data = change_data(admin_client_, entity)
    data[f"aliases-{row_of(data, '普大王')}-name"] = "普大帝"

    admin_client_.post(f"/admin/articles/entity/{entity.pk}/change/", data)

    assert not Alias.objects.filter(normalized="普大王").exists()
    assert ("普京", start, start + 3, "lexicon") in mentions_of(article)
    assert counters_are_exact()


def test_the_entity_name_stays_an_alias(admin_client_, samples):
    entity = putin()
    url = f"/admin/articles/entity/{entity.pk}/change/"
    before = set(entity.aliases.values_list("name", flat=True))

    data = change_data(admin_client_, entity)
    data[f"aliases-{row_of(data, '普京')}-DELETE"] = "on"
    deleted = admin_client_.post(url, data)
    data = change_data(admin_client_, entity)
    data[f"aliases-{row_of(data, '普京')}-name"] = "普大帝"
    respelt = admin_client_.post(url, data)

    for response in (deleted, respelt):
        assert response.status_code == 200  # the form again, with the error
        assert "“普京” is the entity&#x27;s name: it stays an alias." in page_text(response)
    assert set(entity.aliases.values_list("name", flat=True)) == before


def test_a_renamed_entity_is_found_by_its_new_name_and_its_old_one(
    admin_client_, samples, write_article
):
    entity = putin()
    article = write_article(NICKNAME_TEXT)
    start = article.body.index("普大帝")

    admin_client_.post(
        f"/admin/articles/entity/{entity.pk}/change/",
        change_data(admin_client_, entity, name="普大帝"),
    )

    entity.refresh_from_db()
    assert entity.name == "普大帝"
    assert {"普京", "普大帝"} <= set(entity.aliases.values_list("name", flat=True))
    assert ("普大帝", start, start + 3, "lexicon") in mentions_of(article)


def test_a_spelling_another_entity_has_is_refused(admin_client_, samples):
    trump = Alias.objects.get(normalized="特朗普").entity
    entities, aliases = Entity.objects.count(), Alias.objects.count()

    named = admin_client_.post(
        "/admin/articles/entity/add/",
        change_data(admin_client_, None, name="川普", kind="person"),
    )
    as_alias = admin_client_.post(
        f"/admin/articles/entity/{putin().pk}/change/",
        with_aliases(change_data(admin_client_, putin()), "川普"),
    )

    for response in (named, as_alias):
        assert response.status_code == 200
        assert f"“川普” already names 特朗普 (#{trump.pk})." in page_text(response)
    assert (Entity.objects.count(), Alias.objects.count()) == (entities, aliases)


def test_the_same_new_spelling_twice_is_one_error_not_a_crash(admin_client_, samples):
    entity = putin()
    aliases = Alias.objects.count()

    response = admin_client_.post(
        f"/admin/articles/entity/{entity.pk}/change/",
        with_aliases(change_data(admin_client_, entity), "普大帝", " 普大帝"),
    )

    assert response.status_code == 200
    assert "“普大帝” is given twice." in page_text(response)
    assert Alias.objects.count() == aliases


def test_mentions_are_shown_in_the_admin_but_not_edited_there(admin_client_, samples):
    mention = Mention.objects.select_related("entity").first()

    listing = admin_client_.get("/admin/articles/mention/", {"q": str(mention.article_id)})
    view = admin_client_.get(f"/admin/articles/mention/{mention.pk}/change/")

    assert listing.status_code == 200 and mention.entity.name in page_text(listing)
    assert view.status_code == 200 and 'name="_save"' not in page_text(view)
    assert admin_client_.get("/admin/articles/mention/add/").status_code == 403
    assert admin_client_.post(f"/admin/articles/mention/{mention.pk}/delete/").status_code == 403
    assert Mention.objects.filter(pk=mention.pk).exists()


def test_a_merged_entity_is_shown_in_the_admin_but_not_edited(admin_client_, samples, admin_user):
    survivor = putin()
    merged = Entity.objects.create(name="普大帝", kind="person")
    Alias.objects.create(entity=merged, name="普大帝", normalized="普大帝", origin="manual")
    entity_merge(survivor=survivor, merged=merged, user=admin_user)
    url = f"/admin/articles/entity/{merged.pk}/change/"
    aliases = Alias.objects.count()

    page = admin_client_.get(url)
    post = admin_client_.post(url, {"name": "普大帝", "kind": "person", "description": "x"})

    assert page.status_code == 200 and 'name="_save"' not in page_text(page)
    assert post.status_code == 403
    merged.refresh_from_db()
    assert merged.description == "" and Alias.objects.count() == aliases
    assert Alias.objects.get(normalized="普大帝").entity == survivor
