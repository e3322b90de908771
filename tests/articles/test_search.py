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
    write_article("另一条新闻\n科西尼亚克周一表示，卡梅什没有出席。", name="b.txt")
    parsed = parse_query("科西尼亚克-卡梅什", match_aliases=False)
    assert "<->" not in parsed.tsquery
    assert ids("科西尼亚克-卡梅什", aliases="0") == {named.pk}


@pytest.mark.parametrize(
    "term",
    [
        *["科西尼亚克-卡梅什", "f-16", "2025-11", "foo_bar", "3.5", "a.b.c", "x/y", "1.5亿"],
        *["普京", "2025年", "北约nato", "v2x", "㐀㐁"],  # sent as they are, unasked
    ],
)
def test_every_query_term_matches_the_vector_the_parser_builds_from_it(db, term):
    """Each term's tsquery means what PostgreSQL's parser indexes for that token."""
    from django.db import connection

    from articles.search import _lexeme

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_tsvector('simple', %s) @@ %s::tsquery", [term, _lexeme(term)])
        assert cursor.fetchone()[0], _lexeme(term)
