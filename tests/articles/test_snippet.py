"""Search-result snippets: a window around the first hit, every hit marked."""

from articles.render import SnippetPart, snippet


def marked(parts: list[SnippetPart]) -> str:
    return "".join(f"[{p.text}]" if p.hit else p.text for p in parts)


def test_the_window_starts_before_the_first_hit_and_marks_every_hit():
    text = "甲" * 100 + "普京说，普京和特朗普通话。" + "乙" * 100
    result = marked(snippet(text, ["普京", "特朗普"], width=60))
    assert result.startswith("…") and result.endswith("…")
    assert "[普京]说，[普京]和[特朗普]通话" in result
    assert len(result.replace("[", "").replace("]", "").strip("…")) == 60


def test_the_longest_needle_wins_where_two_start_together():
    assert marked(snippet("弗拉基米尔·普京表示", ["普京", "弗拉基米尔·普京"])) == (
        "[弗拉基米尔·普京]表示"
    )


def test_a_hit_running_past_the_window_is_cut_at_its_end():
    parts = snippet("泽连斯基" + "中" * 6 + "泽连斯基" + "后" * 5, ["泽连斯基"], width=12)
    assert marked(parts) == "[泽连斯基]中中中中中中[泽连]…"


def test_simplified_needles_find_traditional_text_and_case_is_ignored():
    assert marked(snippet("澤連斯基會見Blinken", ["泽连斯基", "blinken"])) == (
        "[澤連斯基]會見[Blinken]"
    )


def test_without_hits_or_needles_the_text_starts_the_window():
    assert marked(snippet("没有命中\n的文字", ["普京"])) == "没有命中 的文字"
    assert marked(snippet("没有命中", [])) == "没有命中"
