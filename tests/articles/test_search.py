"""Chinese full-text search on the sample articles and on small made-up ones."""

import pytest

from articles.models import Article
from articles.queries import article_query
from articles.search import parse_query


def titles(query: str, **filters) -> set[str]:
    data = {"q": query, **filters}
    return {a.title for a in article_query(data).articles}


def ids(query: str, **filters) -> set[int]:
    return {a.pk for a in article_query({"q": query, **filters}).articles}


def test_a_person_is_found_in_the_samples(samples):
    found = ids("佩斯科夫")
    assert {samples["000"].pk, samples["001"].pk, samples["002"].pk, samples["003"].pk} == found


def test_traditional_script_query_finds_simplified_text(samples):
    assert ids("佩斯科夫") == ids("佩斯科夫".replace("斯", "斯")) == ids("佩斯科夫")
    assert samples["003"].pk in ids("盧比奧")  # 鲁比奥 in traditional script
    assert ids("澤連斯基", aliases="0") == ids("泽连斯基", aliases="0")


def test_latin_name_finds_the_entitys_articles(samples):
    assert ids("Zelensky") == ids("泽连斯基")
    assert samples["002"].pk in ids("Lavrov")


def test_a_phrase_in_quotes_must_appear_as_written(samples):
    assert ids('"停火草案"') == {samples["003"].pk}
    assert ids('"草案 停火"') == set()


def test_words_are_anded(samples):
    assert ids("拉夫罗夫 鲁比奥") == {samples["002"].pk}


def test_match_aliases_expands_a_name_to_all_its_spellings(write_article):
    trump = write_article("特朗普谈乌克兰\n美国总统特朗普周一表示,和谈正在推进。", name="a.txt")
    write_article("无关的新闻\n今天天气晴朗,市场平稳。", name="b.txt")
    assert ids("川普") == {trump.pk}
    assert ids("川普", aliases="0") == set()


def test_a_traditional_article_is_found_with_a_simplified_query(write_article):
    article = write_article("澤連斯基訪問華盛頓\n烏克蘭總統澤連斯基週一抵達華盛頓。", name="tw.txt")
    assert article.script == "traditional"
    assert ids("泽连斯基") == {article.pk}
    assert ids("访问") == {article.pk}


def test_query_syntax_characters_are_harmless(samples):
    for query in [
        "'; DROP TABLE articles_article; --",
        "a & | ! ( ) <-> :*",
        "\\",
        "“”",
        "<script>",
    ]:
        list(article_query({"q": query}).articles)  # no error
    assert Article.objects.count() == 4


def test_an_empty_or_punctuation_query_matches_nothing_specific(samples):
    assert not parse_query("，。！")
    assert len(ids("，。！")) == 4  # no terms: no search filter


@pytest.mark.parametrize("sort", ["imported", "oldest", "published", "title", "relevance"])
def test_every_sort_works(samples, sort):
    assert len(list(article_query({"q": "普京", "sort": sort}).articles)) == 4


def test_relevance_ranks_title_hits_first(write_article):
    body_only = write_article("和谈\n会谈中提到了停火。", name="body.txt")
    in_title = write_article("停火谈判开始\n双方会谈。", name="title.txt")
    ranked = [a.pk for a in article_query({"q": "停火", "sort": "relevance"}).articles]
    assert ranked == [in_title.pk, body_only.pk]


def test_a_hyphenated_name_is_one_lexeme_not_a_phrase(write_article):
    """to_tsquery() would make 科西尼亚克-卡梅什 a phrase of three lexemes, which only a
    slow check of every candidate's vector can answer; the whole word is in the index."""
    named = write_article(
        "波兰副总理表态\n波兰副总理科西尼亚克-卡梅什周一表示支持和谈。", name="a.txt"
    )
    other = write_article("另一条新闻\n科西尼亚克周一表示，卡梅什没有出席。", name="b.txt")
    parsed = parse_query("科西尼亚克-卡梅什", match_aliases=False)
    assert "<->" not in parsed.tsquery
    assert ids("科西尼亚克-卡梅什", aliases="0") == {named.pk}
    # the parts are indexed too, as PostgreSQL's parser indexed them
    assert ids("卡梅什", aliases="0") == ids("科西尼亚克", aliases="0") == {named.pk, other.pk}


def vector_matches(vector: str, query: str) -> bool:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::tsvector @@ %s::tsquery", [vector, query])
        return cursor.fetchone()[0]


@pytest.mark.parametrize(
    "text",
    [
        *["科西尼亚克-卡梅什", "F-16", "2025-11", "foo_bar", "3.5", "a.b.c", "x/y", "1.5亿"],
        *["普京", "2025年", "北约NATO", "v2x", "㐀㐁", "5.5%", "IRIS-T", "C++", "AT&T"],
    ],
)
def test_a_query_matches_the_vector_the_import_builds_from_the_same_text(db, text):
    """Query and index cut the text alike and take each term as one lexeme."""
    from articles.pipeline.process import search_vector

    vector = search_vector("", f"他说{text}很重要。")
    parsed = parse_query(text, match_aliases=False)
    assert parsed, text
    assert vector_matches(vector, parsed.tsquery), (vector, parsed.tsquery)
    assert vector_matches(vector, parse_query(f'"{text}"', match_aliases=False).tsquery)


def test_the_vector_of_plain_words_is_what_to_tsvector_made_of_them(db):
    """For words PostgreSQL's parser keeps whole, the literal equals the old generated
    column, setweight(to_tsvector(title), 'A') || setweight(to_tsvector(body), 'B')."""
    from django.db import connection

    from articles.pipeline.search import tsvector_literal

    title = ["停火", "谈判", "2025年"]
    body = ["普京", "说", "停火", "谈判", "nato", "普京", "3", "停火"]
    # words in the title and the body, repeated words, and a word more often than
    # to_tsvector() keeps positions (255), which takes the literal's careful path
    for words in (body, [*body, *["和平"] * 300]):
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT %s::tsvector = setweight(to_tsvector('simple', %s), 'A')"
                " || setweight(to_tsvector('simple', %s), 'B')",
                [tsvector_literal(title, words), " ".join(title), " ".join(words)],
            )
            assert cursor.fetchone()[0], words


def test_the_vector_stays_within_postgresqls_limits(db):
    from django.db import connection

    from articles.pipeline.search import MAX_POSITION, MAX_POSITIONS, tsvector_literal

    body = ["词"] * (MAX_POSITION + 100) + ["x" * 3000] + [f"w{i:06d}" for i in range(200_000)]
    literal = tsvector_literal([], body)
    assert f"'w000000':{MAX_POSITION}B " in literal  # words past the last position share it
    assert "x" * 3000 not in literal  # too long for a lexeme: skipped, as to_tsvector does
    with connection.cursor() as cursor:
        cursor.execute("SELECT length(%s::tsvector), %s::tsvector @@ '词'::tsquery", [literal] * 2)
        lexemes, found = cursor.fetchone()
    assert found
    assert lexemes < 200_000  # the 1 MB budget stopped adding words
    positions = literal.split(" ", 1)[0].split(":")[1].split(",")
    assert len(positions) == MAX_POSITIONS
    # a short article with a long word: measured in bytes, not characters
    literal = tsvector_literal(["标题"], ["a" * 1000, "词" * 700, "词"])
    assert literal == f"'标题':1A '{'a' * 1000}':2B '词':4B"


def test_a_title_edited_in_the_admin_is_searchable_under_its_new_words(
    write_article, admin_client_
):
    article = write_article("旧标题\n双方会谈。", name="a.txt")
    page = admin_client_.get(f"/admin/articles/article/{article.pk}/change/")
    form = page.context["adminform"].form
    data = {
        name: value
        for name, field in form.fields.items()
        if (value := form.initial.get(name, field.initial)) is not None
    }
    data["title"] = "停火谈判"
    response = admin_client_.post(f"/admin/articles/article/{article.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert ids("停火") == {article.pk}  # only in the new title
    assert ids("会谈") == {article.pk}  # the body is still indexed
