"""Cleaning: titles, bodies and recorded removals on the four samples, on pages from other sites
(tests/data/noise/, written for these tests), on made-up edge cases and on generated text."""

# Chinese text is full of full-width punctuation, which these tests are about.

from collections import Counter
from pathlib import Path

import opencc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from articles.pipeline.clean import REASONS, Cleaned, clean_text
from articles.pipeline.normalize import normalize_text

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = {path.name[:3]: path for path in (ROOT / "data" / "samples").glob("*.txt")}
NOISE = ROOT / "tests" / "data" / "noise"
_to_taiwan = opencc.OpenCC("s2tw")


def clean(text: str) -> tuple[str, Cleaned]:
    normalised = normalize_text(text)
    return normalised, clean_text(normalised)


def clean_file(path: Path) -> tuple[str, Cleaned]:
    return clean(path.read_text(encoding="utf-8"))


def rebuild(text: str, cleaned: Cleaned) -> str:
    """Return the text outside the removals, joined: what the body must be."""
    pieces, position = [], 0
    for removal in cleaned.removals:
        pieces.append(text[position : removal.start])
        position = removal.end
    pieces.append(text[position:])
    return "".join(pieces)


def assert_consistent(text: str, cleaned: Cleaned) -> None:
    position = 0
    for removal in cleaned.removals:
        assert position <= removal.start < removal.end <= len(text), removal
        assert removal.text == text[removal.start : removal.end]
        assert removal.reason in REASONS
        position = removal.end
    assert rebuild(text, cleaned) == cleaned.body
    assert cleaned.title.strip()
    assert cleaned.title_source in ("first_line", "fallback")
    assert "\n\n" not in cleaned.body
    assert not cleaned.body.startswith("\n")
    assert not cleaned.body.endswith("\n")


def reasons(cleaned: Cleaned) -> Counter[str]:
    return Counter(removal.reason for removal in cleaned.removals)


def removed_texts(cleaned: Cleaned, reason: str) -> list[str]:
    return [r.text for r in cleaned.removals if r.reason == reason]


def body_lines(cleaned: Cleaned) -> list[str]:
    return cleaned.body.split("\n")


# --- The four samples ---------------------------------------------------------------------------


@pytest.mark.parametrize("key", sorted(SAMPLES))
def test_sample_body_is_the_text_minus_its_removals(key):
    text, cleaned = clean_file(SAMPLES[key])
    assert_consistent(text, cleaned)


def test_000_keeps_its_title_headings_and_quotes_and_drops_the_news_list():
    _, cleaned = clean_file(SAMPLES["000"])
    assert cleaned.title == (
        "乌克兰的欧洲盟友表示,俄罗斯的侵略正在使和平变得遥不可及,美国特使会见普京"
    )
    assert cleaned.title_source == "first_line"
    lines = body_lines(cleaned)
    assert lines[0].startswith("欧洲国防部长周五强调")
    assert "“俄罗斯是这场战争的唯一原因”" in lines
    assert "“优先事项”" in lines
    assert "“艰苦的工作仍在继续。" in cleaned.body
    assert "“普京说他想要和平,但他拒绝全面停火。" in cleaned.body
    assert lines[-1] == (
        "联合国乌克兰人权监察团表示,平民伤亡人数比上个月增加了 50%,"
        "3 月份至少有 164 人死亡,910 人受伤。"
    )
    assert "过去24小时新闻" not in cleaned.body
    assert not any(line.startswith("- ") for line in lines)
    assert reasons(cleaned) == {"title": 1, "trailing_link_list": 1}
    (news_list,) = removed_texts(cleaned, "trailing_link_list")
    assert news_list.startswith("\n过去24小时新闻\n- 关税豁免消息一出")
    assert news_list.endswith("乌克兰展示对中国战")


def test_001_loses_injected_phrase_and_headline_fragments_but_keeps_the_article():
    text, cleaned = clean_file(SAMPLES["001"])
    assert cleaned.title == "美与俄乌分头谈“和平计划” 却缺席北约外长会"
    assert cleaned.title_source == "first_line"
    lines = body_lines(cleaned)
    assert lines[:6] == [
        "近期,美国为推进其所谓解决俄乌冲突的美俄“和平计划”,分别与乌克兰和俄罗斯进行了会谈。",
        "3日,俄总统助理乌沙科夫与俄总统新闻秘书佩斯科夫分别披露了一部分俄美会谈的内容。"
        "乌方也公布消息称,收到了再次赴美磋商“和平计划”的邀请。",
        "与此同时,北约外长会于3日在布鲁塞尔召开。"
        "然而一直积极推进“和平计划”的美国,其国务卿鲁比奥却罕见缺席。",
        "谈“和平计划” 美与俄谈完再邀乌赴美",
        "在2日美代表团访俄并同俄方进行有关“和平计划”的会谈后,俄总统助理乌沙科夫与俄总统新闻"
        "秘书佩斯科夫于3日多次就这次会谈进行了说明,并通报了部分会谈内容。",
        "综合当前俄方公布的内容,本次俄美会谈的要点包括:",
    ]
    assert Counter(removed_texts(cleaned, "title_fragment")) == {
        "和平计划": 3,
        "乌分": 2,
        "头谈": 2,
        "却缺": 2,
        "席北": 2,
        "约外": 2,
        "美俄": 1,
    }
    assert removed_texts(cleaned, "injected_phrase") == ["湛江市某某建筑工程客服中心"] * 2
    # Every quoted "和平计划" below the title is the article's own and stays.
    assert cleaned.body.count("“和平计划”") == text.split("\n", 1)[1].count("“和平计划”")
    for heading in ("北约外长开会聊俄乌 美国务卿罕见缺席", "俄称控制红军城 乌方否认"):
        assert heading in lines
    assert "会谈持续时长:近5个小时;" in lines
    assert not any(line.startswith(("△", "- ")) for line in lines)
    for noise in ("点击进入专题", "责任编辑", "views+", "湛江"):
        assert noise not in cleaned.body
    assert lines[-1].endswith("但乌军失守这里可能会为俄军在该地区进一步推进打开门户。")
    assert reasons(cleaned) == {
        "title": 1,
        "title_fragment": 14,
        "injected_phrase": 2,
        "caption": 2,
        "credit": 1,
        "trailing_link_list": 1,
        "blank_lines": 5,
    }


def test_002_has_a_fallback_title_and_loses_its_repeated_summary():
    text, cleaned = clean_file(SAMPLES["002"])
    assert cleaned.title_source == "fallback"
    assert cleaned.title == "美国与俄罗斯高级代表团周二在没有乌克兰或其他欧洲国家代表参与下…"
    (summary,) = removed_texts(cleaned, "repeated_summary")
    assert summary == text.split("\n")[0] + "\n"
    lines = body_lines(cleaned)
    # The dateline is content: it names the place and the agency.
    assert lines[0].startswith("(利雅得/莫斯科综合电)美国与俄罗斯高级代表团周二")
    assert cleaned.body.count("美俄也会开始探讨未来就共同地缘政治利益") == 1
    assert "此外,美俄也会开始探讨未来就共同地缘政治利益" in cleaned.body
    assert "克里姆林宫发言人佩斯科夫周二则说,如果不解决更广泛的欧洲安全问题" in cleaned.body


def test_002_joins_the_line_broken_mid_sentence_but_not_its_headings():
    text, cleaned = clean_file(SAMPLES["002"])
    (line_break,) = [r for r in cleaned.removals if r.reason == "line_break"]
    assert line_break.text == "\n"
    assert text[line_break.start - 1] == "乌"
    assert "商定立即就结束俄乌战争展开谈判。乌总统泽连斯基在德国公共广播联盟(ARD)" in cleaned.body
    lines = body_lines(cleaned)
    assert "美俄探讨冲突结束后的经济合作" in lines
    assert "泽连斯基:愿意为和平放弃总统职位" in lines


def test_002_drops_the_spam_list():
    _, cleaned = clean_file(SAMPLES["002"])
    for noise in ("随便看看", "[36P]", "[欧美]", "小姐姐"):
        assert noise not in cleaned.body
    assert body_lines(cleaned)[-1].endswith("泽连斯基在任期结束后仍继续掌权。")
    assert reasons(cleaned) == {"repeated_summary": 1, "line_break": 1, "trailing_link_list": 1}


def test_003_keeps_the_unsourced_claim_and_headings_and_drops_the_comment_form():
    _, cleaned = clean_file(SAMPLES["003"])
    assert cleaned.title == "美乌停火30天草案 俄消息人士:普京很难同意"
    lines = body_lines(cleaned)
    assert "据悉,这4州的居民大多是讲俄罗斯语,曾受到乌克兰纳粹主义的血腥屠杀。" in lines
    for heading in (
        "路透:普京很难接受美乌停火30天草案? 他要的是长期和平协议",
        "波兰证实美国已恢复军援",
        "美俄情治首长首次通话",
        "未来如何发展",
    ):
        assert heading in lines
    assert "一名俄罗斯资深消息人士告诉路透社:“以目前的形式,普京很难同意这项草案。" in cleaned.body
    assert lines[-1] == "川普表示,他可能会在本周与普京通话,希望在未来几天谈判达成持久停火。"
    for noise in ("Add a Comment", "Translate", "邮箱地址", "必填项"):
        assert noise not in cleaned.body
    assert "?" not in lines
    assert reasons(cleaned) == {"title": 1, "blank_lines": 31, "widget": 4}
    assert set(removed_texts(cleaned, "blank_lines")) == {"\n"}


@pytest.mark.parametrize("key", sorted(SAMPLES))
@pytest.mark.parametrize(
    "variant",
    [
        _to_taiwan.convert,
        lambda t: t.replace(",", "，").replace(":", "：").replace("(", "（").replace(")", "）"),
        lambda t: t.replace("\n", "\r\n"),
    ],
    ids=["traditional", "full-width-punctuation", "crlf"],
)
def test_sample_variants_clean_the_same_way(key, variant):
    original = clean_file(SAMPLES[key])[1]
    text, cleaned = clean(variant(SAMPLES[key].read_text(encoding="utf-8")))
    assert_consistent(text, cleaned)
    assert reasons(cleaned) == reasons(original)
    assert cleaned.title_source == original.title_source
    assert len(body_lines(cleaned)) == len(body_lines(original))


# --- Pages from other sites ----------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(NOISE.glob("*.txt")), ids=lambda p: p.stem)
def test_other_site_body_is_the_text_minus_its_removals(path):
    text, cleaned = clean_file(path)
    assert_consistent(text, cleaned)


def test_portal_page_loses_every_kind_of_chrome():
    _, cleaned = clean_file(NOISE / "portal_page.txt")
    assert cleaned.title == "普京与特朗普通电话 同意就乌克兰问题展开谈判"
    assert body_lines(cleaned) == [
        "新华社莫斯科2月12日电 俄罗斯总统普京12日与美国总统特朗普通电话，"
        "双方同意就结束乌克兰冲突开启谈判。",
        "克里姆林宫发言人佩斯科夫在声明中说，两国元首讨论了交换被扣押人员等问题，并同意保持个人联系。"
        "他还表示，普京邀请特朗普访问莫斯科。",
        "特朗普随后在社交媒体上发文称，他与普京进行了“漫长且富有成效”的通话，双方团队将立即开始谈判。",
        "乌克兰总统泽连斯基当天表示，他也与特朗普通了电话，乌方希望在谈判中得到美方的支持。",
    ]
    assert set(reasons(cleaned)) == {
        "navigation",
        "breadcrumb",
        "title",
        "source_line",
        "share_widget",
        "original_title",
        "agency_code",
        "credit",
        "trailing_link_list",
        "prev_next",
        "qr_prompt",
        "app_banner",
        "copyright",
        "blank_lines",
    }
    assert removed_texts(cleaned, "agency_code") == ["（完）"]
    assert "首页 | 新闻 | 国际" in removed_texts(cleaned, "navigation")[0]


def test_taiwan_page_loses_agency_code_and_disclaimer_but_keeps_dateline_and_quotes():
    _, cleaned = clean_file(NOISE / "cna_traditional.txt")
    assert cleaned.title == "美俄利雅德會談 魯比歐：雙方同意組建談判團隊"
    lines = body_lines(cleaned)
    assert lines[0].startswith("（中央社記者廖漢原華盛頓18日專電）美國國務卿魯比歐")
    assert "「這是漫長而艱難旅程的第一步。」" in lines[1]
    assert lines[2] == "烏克蘭總統澤倫斯基表示，烏方不會承認任何在沒有烏克蘭參與下達成的協議。"
    assert len(lines) == 3
    assert removed_texts(cleaned, "agency_code") == ["（編輯：邱國強）1140219"]
    assert reasons(cleaned)["copyright"] == 1
    assert reasons(cleaned)["app_banner"] == 1
    assert reasons(cleaned)["share_widget"] == 1


def test_page_that_is_mostly_menu_keeps_only_the_short_article():
    _, cleaned = clean_file(NOISE / "menu_page.txt")
    assert cleaned.title == "美俄代表在利雅得会谈"
    assert cleaned.title_source == "first_line"
    assert body_lines(cleaned) == [
        "美国和俄罗斯代表团18日在沙特首都利雅得举行会谈，双方同意组建谈判团队，为结束俄乌冲突铺路。",
        "俄外长拉夫罗夫会后表示，会谈“非常有用”，双方不仅听了对方的话，也听进去了。",
    ]
    (menu,) = removed_texts(cleaned, "navigation")
    assert menu.startswith("网易\n首页\n新闻") and menu.endswith("登录\n注册\n")


def test_blog_widgets_go_and_a_sentence_about_sources_stays():
    _, cleaned = clean_file(NOISE / "blog_widgets.txt")
    assert cleaned.title == "乌克兰冲突三周年：和谈前景仍不明朗"
    lines = body_lines(cleaned)
    assert len(lines) == 3
    assert lines[2] == "这篇分析的数据来源：联合国人权事务高级专员办事处和各方公开声明。"
    for noise in ("Skip to content", "Share this", "Facebook", "发表评论", "返回顶部", "字体"):
        assert noise not in cleaned.body


def test_other_sites_injection_is_caught_without_touching_the_same_words_in_use():
    _, cleaned = clean_file(NOISE / "injected_seo.txt")
    assert Counter(removed_texts(cleaned, "title_fragment")) == {
        "安全会议": 2,
        "席慕": 2,
        "基出": 2,
        "洲组": 1,
        "吁欧": 1,
    }
    assert removed_texts(cleaned, "injected_phrase") == ["广州市某某贸易有限公司"] * 2
    lines = body_lines(cleaned)
    assert lines[0] == (
        "当地时间15日,乌克兰总统泽连斯基在德国慕尼黑安全会议上发表讲话,"
        "呼吁欧洲国家组建一支“欧洲军队”。"
    )
    assert lines[1] == "泽连斯基表示,欧洲不能再指望美国的保护,必须拥有自己的军事力量。"
    assert "他对泽连斯基的呼吁表示欢迎。" in cleaned.body


def test_wechat_repost_keeps_the_editors_note_and_drops_the_account_chrome():
    _, cleaned = clean_file(NOISE / "wechat_repost.txt")
    assert cleaned.title == "俄乌谈判进入关键阶段 各方仍存分歧"
    lines = body_lines(cleaned)
    assert lines[0] == "编者按：本文梳理了近期俄乌谈判的最新进展。"
    assert len(lines) == 4
    assert "佩斯科夫说：“我们不应操之过急。”" in lines[2]
    assert removed_texts(cleaned, "source_line") == ["原创 国际观察 2025-03-12 08:00\n"]
    assert reasons(cleaned)["caption"] == 1
    assert reasons(cleaned)["trailing_link_list"] == 1


# --- Made-up pages: each family of chrome, and content that only looks like it ----------------

PARAGRAPHS = [
    "美国国务卿鲁比奥18日在利雅得与俄罗斯外长拉夫罗夫举行会谈，双方同意尽快任命谈判团队。",
    "拉夫罗夫会后表示，此次会谈“非常有用”，双方不仅聆听彼此的话，也把话听了进去。",
    "乌克兰总统泽连斯基则表示，乌方不会接受任何在没有乌克兰参与下达成的协议。",
]


def article(*extra: str, title: str = "美俄外长利雅得会谈 同意组建谈判团队") -> str:
    return "\n".join([title, *PARAGRAPHS, *extra])


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("首页 | 新闻 | 国际 | 军事 | 财经", "navigation"),
        ("首頁｜兩岸｜國際｜財經｜評論", "navigation"),
        ("首页 新闻 国际 军事 财经 体育 视频", "navigation"),
        ("您的位置：首页 > 国际 > 正文", "breadcrumb"),
        ("首页 > 国际新闻 > 正文", "breadcrumb"),
        ("Home » World » Europe", "breadcrumb"),
        ("上一篇：北约秘书长呼吁增加防务开支", "prev_next"),
        ("下一篇 乌克兰东部局势持续紧张", "prev_next"),
        ("分享到：", "share_widget"),
        ("分享至 微信 微博 QQ空间", "share_widget"),
        ("Facebook Twitter LINE", "share_widget"),
        ("扫一扫，关注我们的微信公众号", "qr_prompt"),
        ("長按二維碼關注公眾號", "qr_prompt"),
        ("原标题：美俄会谈释放了什么信号", "original_title"),
        ("【原標題：美俄會談釋放什麼訊號】", "original_title"),
        ("来源：环球时报", "source_line"),
        ("來源:中央社", "source_line"),
        ("2025-02-18 20:31 来源：新华网 作者：张三", "source_line"),
        ("发布时间：2025年02月18日 阅读：1024", "source_line"),
        ("Copyright © 2025 Example News. All rights reserved.", "copyright"),
        ("版权所有 某某新闻网 京ICP备12345678号", "copyright"),
        ("粤ICP备2023000001号-1", "copyright"),
        ("本文为本站原创，未经授权不得转载。", "copyright"),
        ("下载新闻客户端，随时随地看新闻", "app_banner"),
        ("打开APP，阅读全文", "app_banner"),
        ("（责任编辑：王五）", "credit"),
        ("责编：李四 审核：王五", "credit"),
        ("文/本报记者 张三", "credit"),
        ("（編輯：陳家倫）1140218", "agency_code"),
        ("（完）", "agency_code"),
        ("△ 拉夫罗夫与鲁比奥握手", "caption"),
        ("图为美俄代表团在利雅得会谈现场。", "caption"),
        ("图片来源：路透社", "caption"),
        ("发表评论", "widget"),
        ("【字体：大 中 小】", "widget"),
        ("Leave a Reply", "widget"),
        ("»", "widget"),
        ("返回搜狐，查看更多", "widget"),
        ("阅读 1.2万", "widget"),
        ("【纠错】 【责任编辑：李华】", "credit"),
        ("编译：张三；审校：李四", "credit"),
        ("点击上方蓝字关注我们", "qr_prompt"),
        ("声明：本文观点仅代表作者本人，不代表本平台立场。", "copyright"),
        ("图像来源，Getty Images", "caption"),
        ("不用抽 不用搶 現在用APP看新聞 保證天天中獎", "app_banner"),
    ],
)
def test_chrome_line_after_the_article_is_removed_with_its_reason(line, reason):
    text, cleaned = clean(article(line))
    assert line not in cleaned.body
    assert reason in reasons(cleaned), cleaned.removals
    assert body_lines(cleaned) == PARAGRAPHS
    assert_consistent(text, cleaned)


@pytest.mark.parametrize(
    "line",
    [
        "首页 | 新闻 | 国际 | 军事 | 财经",
        "当前位置：首页 > 国际 > 正文",
        "来源：新华网",
        "分享到：微信 微博",
        "2025-02-18 20:31 来源：新华网 作者：张三",
    ],
)
def test_chrome_line_above_the_title_is_removed_and_the_title_found(line):
    _, cleaned = clean(line + "\n" + article())
    assert cleaned.title == "美俄外长利雅得会谈 同意组建谈判团队"
    assert cleaned.title_source == "first_line"
    assert body_lines(cleaned) == PARAGRAPHS


@pytest.mark.parametrize(
    "line",
    [
        "据知情人士透露，这笔资金的来源：主要是被冻结的俄罗斯资产。",
        "泽连斯基在社交媒体上分享了他访问前线时拍摄的照片。",
        "分享经济模式或将在乌克兰战后重建中发挥作用。",
        "记者：您如何看待美方提出的和平计划？",
        "拉夫罗夫：我们愿意谈判，但必须考虑俄方的安全关切。",
        "该照片的版权所有者已就未经授权的使用提起诉讼。",
        "俄罗斯宣布禁止民众下载Telegram应用。",
        "下一篇报道将聚焦乌克兰东部的战事。",
        "警方提醒民众不要随意扫描来历不明的二维码。",
        "图表显示，乌克兰的粮食出口在过去一年大幅下降。",
        "文章指出，欧洲需要在防务上承担更多责任。",
        "原标题中的“和平”一词引发了争议。",
        "2025年2月18日，美俄代表在利雅得会面。",
        "“俄罗斯是这场战争的唯一原因”",
        "消息来源称，双方将于下周再次会面。",
        "返回乌克兰的难民人数持续增加。",
        "他在声明中表示，该报道不代表政府立场。",
    ],
)
def test_content_that_mentions_chrome_words_is_kept(line):
    text, cleaned = clean(article(line, "美方官员表示，下一轮会谈的时间和地点尚未确定。"))
    assert line in body_lines(cleaned)
    assert_consistent(text, cleaned)


def test_related_list_inside_the_article_goes_and_the_article_continues():
    _, cleaned = clean(
        article(
            "相关阅读",
            "- 泽连斯基：乌克兰需要安全保证",
            "- 欧盟外长将召开紧急会议",
            "美俄情治首长首次通话",
            "综合外媒报道，美国和俄罗斯情治首长已经通过电话，并同意保持定期接触。",
        )
    )
    assert reasons(cleaned)["related_list"] == 1
    assert body_lines(cleaned) == [
        *PARAGRAPHS,
        "美俄情治首长首次通话",
        "综合外媒报道，美国和俄罗斯情治首长已经通过电话，并同意保持定期接触。",
    ]


def test_unmarked_related_links_stop_at_the_next_heading():
    _, cleaned = clean(
        article(
            "猜你喜欢",
            "美股三大指数集体收涨",
            "春运返程高峰来临",
            "波兰证实美国已恢复军援",
            "波兰外交部长席科斯基12日表示，美国透过波兰运交给乌克兰的军事援助已经恢复。",
        )
    )
    assert body_lines(cleaned)[-2:] == [
        "波兰证实美国已恢复军援",
        "波兰外交部长席科斯基12日表示，美国透过波兰运交给乌克兰的军事援助已经恢复。",
    ]
    assert "春运" not in cleaned.body


def test_a_closing_list_introduced_by_a_colon_is_content():
    items = [
        "- 立即停火30天",
        "- 交换全部战俘",
        "- 恢复能源设施安全",
        "- 重启黑海航运",
        "- 举行领导人会晤",
    ]
    _, cleaned = clean(article("联合声明要点如下：", *items))
    assert body_lines(cleaned)[-6:] == ["联合声明要点如下：", *items]


def test_a_short_closing_list_under_a_plain_heading_is_content():
    items = ["- 美国：支持停火", "- 俄罗斯：有条件接受", "- 乌克兰：同意"]
    _, cleaned = clean(article("各方表态", *items))
    assert body_lines(cleaned)[-4:] == ["各方表态", *items]


def test_a_long_trailing_list_of_headlines_under_a_plain_heading_is_removed():
    items = [f"- 第{i}条其他新闻的标题在这里" for i in range(1, 7)]
    _, cleaned = clean(article("今日要闻", *items))
    assert body_lines(cleaned) == PARAGRAPHS
    assert reasons(cleaned)["trailing_link_list"] == 1


def test_credit_closing_a_paragraph_is_cut_from_the_paragraph_only():
    last = "乌克兰总统泽连斯基则表示，乌方不会接受任何协议。"
    _, cleaned = clean(article(last + "（责任编辑：张三）"))
    assert body_lines(cleaned)[-1] == last
    assert removed_texts(cleaned, "credit") == ["（责任编辑：张三）"]


def test_taiwan_agency_code_closing_a_paragraph_is_cut():
    last = "國務院發言人布魯斯表示，美方將持續與盟友協調。"
    _, cleaned = clean(article(last + "（編輯：邱國強）1140219"))
    assert body_lines(cleaned)[-1] == last
    assert removed_texts(cleaned, "agency_code") == ["（編輯：邱國強）1140219"]


def test_a_heading_is_never_joined_to_the_next_paragraph():
    _, cleaned = clean(
        article(
            "泽连斯基：愿意为和平放弃总统职位", "泽连斯基指出，若无美国支持，乌克兰将无法取得胜利。"
        )
    )
    assert "泽连斯基：愿意为和平放弃总统职位" in body_lines(cleaned)
    assert "line_break" not in reasons(cleaned)


def test_a_paragraph_broken_mid_sentence_is_joined_and_the_break_recorded():
    _, cleaned = clean(
        article(
            "美国总统特朗普和俄罗斯总统普京上周通电话，商定立即展开谈判。此前，美国国务卿鲁比奥",
            "　　已与沙特方面就会谈地点进行了沟通。",
        )
    )
    assert body_lines(cleaned)[-1] == (
        "美国总统特朗普和俄罗斯总统普京上周通电话，商定立即展开谈判。"
        "此前，美国国务卿鲁比奥已与沙特方面就会谈地点进行了沟通。"
    )
    (join,) = [r for r in cleaned.removals if r.reason == "line_break"]
    assert join.text == "\n　　"


def test_paragraph_indentation_is_kept():
    _, cleaned = clean("标题：美俄外长会谈\n　　" + PARAGRAPHS[0] + "\n　　" + PARAGRAPHS[1])
    assert body_lines(cleaned) == ["　　" + PARAGRAPHS[0], "　　" + PARAGRAPHS[1]]


def test_title_loses_a_trailing_site_name():
    _, cleaned = clean(article(title="美俄外长利雅得会谈 同意组建谈判团队_国际新闻_环球网"))
    assert cleaned.title == "美俄外长利雅得会谈 同意组建谈判团队"
    assert removed_texts(cleaned, "title") == [
        "美俄外长利雅得会谈 同意组建谈判团队_国际新闻_环球网\n"
    ]


def test_text_without_a_title_line_gets_a_fallback_title_from_its_first_sentence():
    _, cleaned = clean("\n".join(PARAGRAPHS))
    assert cleaned.title_source == "fallback"
    assert cleaned.title == "美国国务卿鲁比奥18日在利雅得与俄罗斯外长拉夫罗夫举行会谈…"
    assert cleaned.body == "\n".join(PARAGRAPHS)


def test_fallback_title_keeps_a_short_first_sentence_whole():
    _, cleaned = clean("俄乌双方18日交换了战俘。\n" + "\n".join(PARAGRAPHS))
    assert cleaned.title == "俄乌双方18日交换了战俘"


@pytest.mark.parametrize("text", ["", "\n\n", "   ", "- \n?\n»"])
def test_empty_or_all_noise_text_still_has_a_title(text):
    normalised, cleaned = clean(text)
    assert cleaned.title
    assert_consistent(normalised, cleaned)


def test_title_fragment_rule_leaves_ordinary_articles_alone():
    # Title words after "，" and "的" in the lead, but no fragment dangling after a full stop.
    _, cleaned = clean(
        article(
            "分析人士认为，谈判团队的组建只是第一步，双方在领土问题上仍存在巨大分歧。",
            "沙特方面表示，愿意继续为美俄会谈提供场地。",
            title="美俄外长会谈 同意组建谈判团队",
        )
    )
    assert "title_fragment" not in reasons(cleaned)


# --- Generated text -----------------------------------------------------------------------------

_SAMPLE_LINES = [
    line
    for path in [*SAMPLES.values(), *NOISE.glob("*.txt")]
    for line in path.read_text(encoding="utf-8").split("\n")
]
_line = st.one_of(
    st.sampled_from(_SAMPLE_LINES),
    st.text(alphabet=st.sampled_from("乌克兰和平计划，。：“”- |>（）()\u3000 \tA1?»"), max_size=40),
    st.text(max_size=30),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_line, max_size=40))
def test_any_text_cleans_to_its_text_minus_its_removals(lines):
    text, cleaned = clean("\n".join(lines))
    assert_consistent(text, cleaned)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=400))
def test_any_characters_clean_without_error(raw):
    text, cleaned = clean(raw)
    assert_consistent(text, cleaned)
