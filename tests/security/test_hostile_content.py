"""Hostile article text, end to end: imported through import_articles, shown escaped on every
page that shows it, returned intact by the API, and annotatable at the right offsets.

Scraped pages are not trusted: they carry markup, links, template syntax, invisible and
bidi characters, astral characters and emoji sequences, and lines that never end.
"""

import csv
import io
import json
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest
from rest_framework.test import APIClient

from annotations.models import Annotation, Label
from annotations.services import (
    Changes,
    annotation_create,
    annotation_review,
    article_mark_done,
    articles_assign,
)
from articles.models import Alias, Article, Entity, Mention
from tests.conftest import import_paths

# --- the hostile article ---------------------------------------------------------------

SCRIPT = "<script>window.__pwned=1</script>"
IMG = '<img src=x onerror="window.__pwned=1">'
LINK = '<a href="javascript:window.__pwned=1">点击这里</a>'
ATTRIBUTE_BREAK = "\"'><svg onload=window.__pwned=1>"
TEMPLATE = "{{ x }} {% csrf_token %} {# 注释 #} {{ request.user.password }}"
TEXTAREA = "</textarea><textarea>"
EMOJI = "生僻字𠮷和表情😀、家庭👨\u200d👩\u200d👧、国旗🇺🇦🇷🇺"
INVISIBLE = "零宽\u200b字符\ufeff在中间"
BIDI = "双向\u202e覆盖\u202c与\u2066隔离\u2069字符\u2067x\u2069\u2068y\u2069"
QUOTE = "我们需要和平"

# Too marked-up to pass for a headline: the import keeps it in the body and takes the title
# from the first sentence, so the title is hostile too ('外交部发言人表示,<img src=x …').
FIRST_LINE = f"{SCRIPT}普京谈判{ATTRIBUTE_BREAK}"
BODY_LINES = [
    f"外交部发言人表示,{IMG}双方将继续谈判。",
    f"{LINK}查看javascript:alert(document.cookie)的说明。",
    f"{TEXTAREA}{TEMPLATE}。",
    f'<iframe src="javascript:window.__pwned=1"></iframe>{INVISIBLE},{BIDI}。',
    f"{EMOJI},之后普京说:“{QUOTE}”。",
]
HOSTILE_TEXT = FIRST_LINE + "\n" + "\n".join(BODY_LINES) + "\n"
# Every hostile piece that must reach the body verbatim.
BODY_PIECES = [FIRST_LINE, IMG, LINK, TEXTAREA, TEMPLATE, INVISIBLE, BIDI, EMOJI, "<iframe"]

JSONL_RECORD = {
    "title": f"{TEXTAREA}{IMG}{BIDI}标题",
    "text": f"据塔斯社报道,{SCRIPT}{EMOJI}。普京说:“{QUOTE}”,{TEMPLATE}。",
    "url": "javascript:window.__pwned=1",
    "outlet": f"<b onmouseover=window.__pwned=1>社</b>{BIDI}",
    "published": "2025-03-12",
}
OUTLET = f'{ATTRIBUTE_BREAK}<script>alert("outlet")</script>'
NOTE = f"{SCRIPT}备注{ATTRIBUTE_BREAK}"
COMMENT = f"{IMG}理由{TEMPLATE}"


# --- what "escaped" means ------------------------------------------------------------------


class Markup(HTMLParser):
    """Collects a page's tags, attributes and script contents as a browser would see them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.text: list[str] = []  # what a reader sees: text, then attribute values

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self.scripts.append((dict(attrs), ""))

    def handle_data(self, data):
        if self.cdata_elem == "script":
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)
        else:
            self.text.append(data)

    def visible(self) -> str:
        values = [v for _, attrs in self.tags for v in attrs.values() if v]
        return "".join(self.text) + "\n" + "\n".join(values)


def assert_escaped(response) -> str:
    """Fail unless the page is 200 and no hostile markup became markup; return its text."""
    assert response.status_code == 200, response.status_code
    page = response.content.decode()
    for raw in ("<script>window", "<img src=x", "<svg onload", "<iframe src", "<b on", TEXTAREA):
        assert raw not in page, raw
    markup = Markup()
    markup.feed(page)
    for tag, attrs in markup.tags:
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            if name in ("href", "src", "action", "formaction") and value:
                assert not value.strip().lower().startswith("javascript:"), (tag, value)
        if tag == "textarea":
            assert "name" in attrs, "a textarea that no form field made: an escaped </textarea>"
    for attrs, text in markup.scripts:
        if attrs.get("type") == "application/json":
            json.loads(text)
        else:
            assert attrs.get("src") and not text.strip(), "an inline script"
    return markup.visible()


def workspace_data(page: str) -> dict:
    markup = Markup()
    markup.feed(page)
    [text] = [text for attrs, text in markup.scripts if attrs.get("id") == "workspace-data"]
    return json.loads(text)


# --- fixtures ----------------------------------------------------------------------------


def api_client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def labels(db) -> dict[str, Label]:
    return {label.kind: label for label in Label.objects.filter(kind__in=["claim", "speaker"])}


@pytest.fixture
def hostile(db, tmp_path) -> SimpleNamespace:
    """The hostile article (a file) and a hostile JSON Lines record, imported."""
    (tmp_path / "hostile.txt").write_text(HOSTILE_TEXT, encoding="utf-8")
    (tmp_path / "hostile.jsonl").write_text(
        json.dumps(JSONL_RECORD, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    import_paths(tmp_path, outlet=OUTLET)
    article = Article.objects.get(source_name=str(tmp_path / "hostile.txt"))
    record = Article.objects.get(source_name=str(tmp_path / "hostile.jsonl") + ":1")
    return SimpleNamespace(article=article, title=article.title, record=record)


@pytest.fixture
def world(hostile, labels, analyst, other_analyst, reviewer) -> SimpleNamespace:
    """The hostile article annotated by alice and bob, done, reviewed; hostile entity names."""
    article = hostile.article
    putin = Alias.objects.get(normalized="普京").entity
    Alias.objects.create(entity=putin, name=f"{SCRIPT}普丁", normalized="hostile-alias")
    shady = Entity.objects.create(
        name=f"{IMG}某人",
        latin_name=ATTRIBUTE_BREAK,
        kind="person",
        mention_count=1,
        article_count=1,
    )
    start = article.body.index("外交部发言人")
    Mention.objects.create(article=article, entity=shady, start=start, end=start + 6, method="pos")
    Alias.objects.create(entity=shady, name=shady.name, normalized="shady")
    articles_assign(by=reviewer, analysts=[analyst, other_analyst], article_ids=[article.pk])

    def add(user, text, **extra) -> Annotation:
        start = article.body.index(text)
        annotation, _ = annotation_create(
            user=user,
            article=article,
            changes=Changes(
                label=labels["claim"], start=start, end=start + len(text), text=text, **extra
            ),
        )
        return annotation

    claim = add(analyst, f"{IMG}双方将继续谈判", speaker_entity=putin, note=NOTE)
    add(analyst, QUOTE, speaker_entity=putin)
    add(other_analyst, f"{IMG}双方将继续谈判")
    add(other_analyst, TEMPLATE, note=NOTE)
    add(other_analyst, EMOJI)
    article_mark_done(user=analyst, article=article)
    article_mark_done(user=other_analyst, article=article)
    annotation_review(user=reviewer, annotation=claim, accept=False, comment=COMMENT)
    article.refresh_from_db()
    return SimpleNamespace(
        article=article, title=article.title, record=hostile.record, putin=putin, shady=shady
    )


# --- import --------------------------------------------------------------------------------


def test_hostile_text_is_imported_verbatim(hostile):
    article, record = hostile.article, hostile.record
    assert article.title.startswith(f"外交部发言人表示,{IMG[:20]}")
    for piece in BODY_PIECES:
        assert piece in article.body, piece
    assert article.raw_text == HOSTILE_TEXT
    assert article.outlet == OUTLET
    assert record.title == JSONL_RECORD["title"]
    assert record.source_url == JSONL_RECORD["url"]  # kept as given; never made a link
    assert record.outlet == JSONL_RECORD["outlet"]


# --- pages -------------------------------------------------------------------------------


def test_article_list_and_search_results_escape_titles_snippets_and_the_query(
    analyst_client, world
):
    text = assert_escaped(analyst_client.get("/"))
    assert world.title in text and JSONL_RECORD["title"] in text and OUTLET in text
    # The outlet filter lists the hostile outlets as options.
    text = assert_escaped(analyst_client.get("/", {"outlet": OUTLET}))
    assert world.title in text
    text = assert_escaped(analyst_client.get("/", {"q": "普京"}))
    assert world.title in text and "外交部发言人" in text  # a snippet of the body
    # The query itself is echoed into the search box.
    text = assert_escaped(analyst_client.get("/", {"q": f"谈判 {ATTRIBUTE_BREAK}{SCRIPT}"}))
    assert ATTRIBUTE_BREAK in text


def test_reader_and_workspace_escape_the_text_and_pass_it_intact_as_json(
    analyst_client, reviewer_client, world
):
    article = world.article
    for client in (analyst_client, reviewer_client):
        response = client.get(f"/articles/{article.pk}/")
        text = assert_escaped(response)
        assert world.title in text and world.shady.name in text  # the mention's tooltip
        for piece in BODY_PIECES:
            assert piece in text, piece
        assert workspace_data(response.content.decode())["body"] == article.body


def test_a_javascript_source_url_is_shown_but_never_a_link(analyst_client, world):
    text = assert_escaped(analyst_client.get(f"/articles/{world.record.pk}/"))
    assert JSONL_RECORD["title"] in text and JSONL_RECORD["outlet"] in text
    assert JSONL_RECORD["url"] in text  # as text, for provenance
    for url in (" javascript:x", "java\nscript:x", "JAVASCRIPT:x", "data:text/html,x", "//x"):
        Article.objects.filter(pk=world.record.pk).update(source_url=url)
        assert_escaped(analyst_client.get(f"/articles/{world.record.pk}/"))
        page = analyst_client.get(f"/articles/{world.record.pk}/").content.decode()
        assert "original page" not in page, url
    Article.objects.filter(pk=world.record.pk).update(source_url="https://news.example/1")
    page = analyst_client.get(f"/articles/{world.record.pk}/").content.decode()
    assert 'href="https://news.example/1"' in page


def test_raw_text_page_escapes_the_file(analyst_client, world):
    text = assert_escaped(analyst_client.get(f"/articles/{world.article.pk}/raw/"))
    assert HOSTILE_TEXT.rstrip("\n") in text


def test_entity_pages_escape_names_aliases_claims_and_titles(analyst_client, world):
    text = assert_escaped(analyst_client.get(f"/entities/{world.putin.pk}/"))
    assert f"{SCRIPT}普丁" in text  # the alias
    assert f"“{IMG}双方将继续谈判”" in text and world.title[:30] in text
    text = assert_escaped(analyst_client.get(f"/entities/{world.shady.pk}/"))
    assert world.shady.name in text and ATTRIBUTE_BREAK in text and world.title in text
    text = assert_escaped(analyst_client.get("/entities/", {"q": "某人"}))
    assert world.shady.name in text
    autocomplete = analyst_client.get("/entities/autocomplete/", {"q": "某人"})
    assert autocomplete["Content-Type"] == "application/json"
    assert autocomplete.json()["results"][0]["name"] == world.shady.name


def test_review_pages_escape_titles_annotations_notes_and_comments(reviewer_client, world):
    text = assert_escaped(reviewer_client.get("/review/"))
    assert world.title in text and OUTLET in text
    text = assert_escaped(reviewer_client.get(f"/review/{world.article.pk}/"))
    assert world.title in text and NOTE in text and COMMENT in text and TEMPLATE in text


def test_agreement_pages_escape_the_compared_spans(reviewer_client, world):
    assert_escaped(reviewer_client.get("/review/agreement/"))
    text = assert_escaped(reviewer_client.get(f"/review/agreement/{world.article.pk}/"))
    assert world.title in text and EMOJI in text and TEMPLATE in text


def test_my_queue_escapes_titles_and_outlets(analyst_client, world):
    text = assert_escaped(analyst_client.get("/queue/"))
    assert world.title in text and OUTLET in text


def test_export_page_and_files_carry_the_text_intact(reviewer_client, world):
    assert_escaped(reviewer_client.get("/export/"))
    response = reviewer_client.get(
        "/export/", {"download": "1", "kind": "claims", "format": "jsonl"}
    )
    assert response["Content-Disposition"].startswith("attachment")
    rows = [json.loads(line) for line in b"".join(response.streaming_content).splitlines()]
    values = {value for row in rows for value in strings(row)}
    assert EMOJI in values and world.title in values and NOTE in values
    response = reviewer_client.get("/export/", {"download": "1", "kind": "claims", "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment")
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(content)) for cell in row]
    assert world.title in cells and EMOJI in cells


def strings(value) -> list[str]:
    """Return every string inside a JSON value."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return [s for item in value for s in strings(item)]
    return []


def test_admin_change_pages_escape_the_article_and_the_entity(admin_client_, world):
    text = assert_escaped(admin_client_.get(f"/admin/articles/article/{world.article.pk}/change/"))
    assert world.title in text and TEMPLATE in text and EMOJI in text
    assert_escaped(admin_client_.get("/admin/articles/article/"))
    text = assert_escaped(admin_client_.get(f"/admin/articles/entity/{world.shady.pk}/change/"))
    assert world.shady.name in text


def test_the_overlong_line_article_imports_and_its_pages_render(
    analyst_client, tmp_path, labels, analyst
):
    line = "普京说," + "长" * 200_000 + "。"
    path = tmp_path / "long.txt"
    path.write_text(f"超长的一行\n{line}\n外交部发言人表示,{IMG}完。\n", encoding="utf-8")
    import_paths(path)
    article = Article.objects.get(source_name=str(path))
    assert line in article.body
    for url in (f"/articles/{article.pk}/", f"/articles/{article.pk}/raw/", "/?q=普京"):
        assert_escaped(analyst_client.get(url))
    response = api_client(analyst).get(f"/api/v1/articles/{article.pk}/")
    assert response.json()["body"] == article.body
    start = article.body.index("完")
    created = api_client(analyst).post(
        "/api/v1/annotations/",
        {
            "article": article.pk,
            "label": labels["claim"].pk,
            "start": start,
            "end": start + 1,
            "text": "完",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()


# --- the API -------------------------------------------------------------------------------


def test_the_api_returns_the_text_intact_as_json(analyst, world):
    client = api_client(analyst)
    response = client.get(f"/api/v1/articles/{world.article.pk}/")
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["title"] == world.title and body["body"] == world.article.body
    assert body["outlet"] == OUTLET
    record = client.get(f"/api/v1/articles/{world.record.pk}/").json()
    assert record["source_url"] == JSONL_RECORD["url"] and record["title"] == JSONL_RECORD["title"]
    listed = client.get("/api/v1/articles/", {"q": "普京"}).json()
    assert world.title in [row["title"] for row in listed["results"]]
    annotations = client.get("/api/v1/annotations/", {"article": world.article.pk}).json()
    notes = {row["text"]: row["note"] for row in annotations["results"]}
    assert notes[f"{IMG}双方将继续谈判"] == NOTE
    entity = client.get(f"/api/v1/entities/{world.shady.pk}/").json()
    assert (entity["name"], entity["latin_name"]) == (world.shady.name, ATTRIBUTE_BREAK)


# --- annotating around astral characters -----------------------------------------------


def utf16(text: str, offset: int) -> int:
    return len(text[:offset].encode("utf-16-le")) // 2


# Spans around and inside what UTF-16 counts differently from code points.
TARGETS = [
    QUOTE,  # after 𠮷, 😀, a ZWJ family and two flags: 9 surrogate pairs before it
    "👨\u200d👩\u200d👧",  # the ZWJ sequence itself: 3 astral characters, 2 joiners
    "🇺🇦",  # one flag: two regional indicators
    "𠮷",
    "字符\u2067x\u2069",  # bidi isolates inside the span
    "零宽\u200b字符\ufeff在",  # zero-width characters inside the span
]


def test_annotations_by_utf16_offsets_store_code_points(analyst, hostile, labels):
    article = hostile.article
    client = api_client(analyst)
    for target in TARGETS:
        start = article.body.index(target)
        end = start + len(target)
        response = client.post(
            "/api/v1/annotations/",
            {
                "article": article.pk,
                "label": labels["claim"].pk,
                "start": utf16(article.body, start),
                "end": utf16(article.body, end),
                "text": target,
                "unit": "utf16",
            },
            format="json",
        )
        assert response.status_code == 201, (target, response.json())
        created = response.json()
        assert (created["start"], created["end"]) == (start, end), target
        assert (created["start16"], created["end16"]) == (
            utf16(article.body, start),
            utf16(article.body, end),
        ), target
        annotation = Annotation.objects.get(pk=created["id"])
        assert (annotation.start, annotation.end, annotation.text) == (start, end, target)
        assert article.body[annotation.start : annotation.end] == target
    assert utf16(article.body, article.body.index(QUOTE)) - article.body.index(QUOTE) == 9


def test_a_utf16_offset_inside_a_surrogate_pair_is_refused(analyst, hostile, labels):
    article = hostile.article
    start = article.body.index("😀")
    response = api_client(analyst).post(
        "/api/v1/annotations/",
        {
            "article": article.pk,
            "label": labels["claim"].pk,
            "start": utf16(article.body, start) + 1,  # between the two halves of 😀
            "end": utf16(article.body, start + 2),
            "text": "😀、",
            "unit": "utf16",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "surrogate" in json.dumps(response.json())
    assert not Annotation.objects.exists()


def test_code_point_offsets_sent_as_utf16_are_refused_not_stored_shifted(analyst, hostile, labels):
    article = hostile.article
    start = article.body.index(QUOTE)
    response = api_client(analyst).post(
        "/api/v1/annotations/",
        {
            "article": article.pk,
            "label": labels["claim"].pk,
            "start": start,
            "end": start + len(QUOTE),
            "text": QUOTE,
            "unit": "utf16",
        },
        format="json",
    )
    assert response.status_code == 400
    assert not Annotation.objects.exists()
