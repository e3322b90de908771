"""What names look like in Chinese text: transliterations, titles before a name, Chinese
surnames, and the names and organisations jieba's dictionary holds."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import jieba

from articles.pipeline.entities.index import NAME_DOTS
from articles.pipeline.filecache import cached, file_key

# Characters that Chinese transliterations of foreign names are made of (Xinhua's
# transliteration tables and Taiwan/Hong Kong practice). Common function and time words
# that some names also use (本 周 日 明 东 文 大 和 在 是 也 将) are left out on purpose:
# a run after a title stops at them, so 总统本周 or 外长日前 never read as names.
TRANSLITERATION_CHARS = frozenset(
    "阿埃艾爱安昂奥澳巴拜班邦鲍贝比彼毕宾滨波伯勃博布采策查柴昌彻楚茨达戴丹德邓迪蒂底丁"
    "杜顿多厄恩尔法凡范菲费芬丰冯佛弗福富盖甘冈戈哥格根贡古瓜圭哈海汉豪赫亨洪胡华怀惠霍"
    "基吉加贾杰捷金津卡凯坎康考柯科克肯库夸奎拉莱赖兰朗劳勒雷蕾黎里丽利莉列林琳留隆卢鲁"
    "路伦罗洛吕马玛迈麦曼芒梅门蒙米缅莫墨默穆纳娜奈内尼涅宁纽努诺欧帕潘庞佩彭皮珀普齐奇"
    "恰乔切钦琴丘屈让热茹瑞若萨塞赛桑瑟森沙莎舍申什史施斯松苏索塔泰坦汤唐陶特滕提廷图托"
    "瓦万威韦维温沃乌伍西希锡席夏肖谢辛休许雅亚扬耶伊尤约泽扎札詹兹佐祖娃姆娅琪卓则翁哲"
    "叶赞瑙崔魏蓝夫坚连翰历烈别聂思汀绍边龙朔登廉葛秋季修延腾宏逊强萧焦斐罕良舒敦敖何"
    "慕挪葡萄宛匈伐疆堡柏京川妮露丝黛莲芙茜珊薇契可伏"
)

# Four or more of them in a row: a name jieba did not know (米尔诺格勒, cut 米尔/诺/格勒).
NAME_RUN = re.compile(f"[{''.join(sorted(TRANSLITERATION_CHARS))}]{{4,}}")

# jieba's tags for names: people, transliterated names of anything (波尔塔瓦, a city, is
# nrt), places (it tags 普京 and 奥巴马 as places), organisations, other proper nouns.
NAME_TAGS = frozenset(("nr", "nrfg", "nrt", "ns", "nt", "nz"))
PERSON_TAGS = frozenset(("nr", "nrfg", "nrt"))
PLACE_TAGS = frozenset(("ns", "nrt", "nz"))


@cache
def dictionary_tags() -> dict[str, str]:
    """Return jieba's tag for each of its words written in transliteration characters.

    About 16,000 words (700 of them tagged as no name: 施加, 强烈, 加强). Scanning jieba's
    dictionary for them takes 0.1 s; a process reads them from the cache when an earlier
    one found them in the same dictionary file.
    """
    chars = "".join(sorted(TRANSLITERATION_CHARS))
    entry = f"^([{chars}]{{2,12}}) \\d+ (\\S+)$"
    return _from_dictionary("transliteration-word-tags.json", entry, dict, dict)


def _from_dictionary[T](
    name: str,
    entry: str,
    select: Callable[[Iterator[tuple[str, ...]]], Any],
    parse: Callable[[Any], T],
    depends: object = None,
) -> T:
    """Return parse(select(the groups of entry's matches in jieba's dictionary)).

    Cached in the var folder's cache/name for this dictionary file, this entry and what
    else select depends on (a JSON value).
    """
    dictionary = Path(jieba.__file__).with_name(jieba.DEFAULT_DICT_NAME)

    def scan() -> Any:
        text = dictionary.read_text(encoding="utf-8")
        return select(m.groups() for m in re.finditer(entry, text, re.MULTILINE))

    key = [jieba.__version__, *file_key(dictionary), entry, depends]
    return cached(name, key, scan, parse)


# How an organisation's name ends (外交部, 情报局, 联邦委员会, 国家杜马).
ORGANISATION_ENDINGS = (
    "部",
    "局",
    "委员会",
    "理事会",
    "组织",
    "集团",
    "公司",
    "基金",
    "研究院",
    "研究所",
    "政府",
    "议会",
    "国会",
    "参议院",
    "众议院",
    "杜马",
    "安理会",
    "国务院",
)


@cache
def organisation_words() -> frozenset[str]:
    """Return the organisations jieba's dictionary holds as one word (法国外交部, nt).

    Four characters or more, ending as an organisation's name does: jieba tags as nt
    many words that are none (中南部, 新华社讯). Read from the cache as dictionary_tags is.
    """
    return _from_dictionary(
        "organisation-words.json",
        "^([\u4e00-\u9fff]{4,}) \\d+ nt$",
        lambda found: [word for (word,) in found if word.endswith(ORGANISATION_ENDINGS)],
        frozenset,
        depends=ORGANISATION_ENDINGS,
    )


@cache
def chinese_names() -> frozenset[str]:
    """Return the Chinese people's names jieba's dictionary holds (汪文斌, tagged nr).

    Two or three characters, a common surname first. Read on first need (a title before a
    known word and a speech verb), from the cache as dictionary_tags is.
    """
    surnames = "".join(sorted(COMMON_SURNAMES))
    return _from_dictionary(
        "chinese-name-words.json",
        f"^([{surnames}][\u4e00-\u9fff]{{1,2}}) \\d+ nr$",
        lambda found: [word for (word,) in found],
        frozenset,
    )


def is_common_word(word: str) -> bool:
    """Return whether jieba knows word as something other than a name.

    After a title such a word is what the sentence goes on with (总统施加压力, 总统强烈谴责,
    总统加强制裁), not a new person; a word jieba tags as a name (布什, 拜登) may be one.
    """
    tag = dictionary_tags().get(word)
    return tag is not None and tag not in NAME_TAGS


# A middle-dot name may also use a few characters excluded above (穆罕默德·本·萨勒曼,
# 彼得·…).
_DOT_NAME_EXTRA = frozenset("本文东明得")

# Common given names of the people in this news. After a title, one of these alone is the
# start of a full name written elsewhere ((美国总统唐纳德)特朗普), not a new person; the
# alias index adds the first parts of every full name it knows.
GIVEN_NAMES = frozenset(
    (
        "唐纳德",
        "弗拉基米尔",
        "沃洛季米尔",
        "德米特里",
        "谢尔盖",
        "安德烈",
        "亚历山大",
        "尤里",
        "伊戈尔",
        "基里尔",
        "米哈伊尔",
        "约翰",
        "迈克",
        "迈克尔",
        "史蒂夫",
        "威廉",
        "马克",
        "彼得",
        "鲍里斯",
        "奥列克桑德尔",
        "安东尼",
        "伊曼纽尔",
        "埃马纽埃尔",
    )
)

# Chinese surnames, the hundred commonest and two more that officials quoted in the
# peace talks' coverage bear (傅, 耿): a title followed by one of these and a word
# jieba does not know may be a Chinese name (extract._chinese_name_at).
COMMON_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜"
    "叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎"
    "贺顾毛郝龚邵万钱严覃武戴莫孔向汤傅耿"
)

# Titles that precede a person's name in news text, longest first so that 国防部长 wins
# over 部长 and 总统助理 over 总统.
TITLES = (
    "总统新闻秘书",
    "总统办公室主任",
    "国家安全顾问",
    "首席执行官",
    "外交部发言人",
    "总统助理",
    "外交部长",
    "外交大臣",
    "国防部长",
    "国防大臣",
    "新闻秘书",
    "特别代表",
    "谈判代表",
    "常驻联合国代表",
    "特别特使",
    "总参谋长",
    "第一副外长",
    "副外长",
    "常驻代表",
    "副代表",
    "副总统",
    "副总理",
    "副主任",
    "副部长",
    "秘书长",
    "总干事",
    "总司令",
    "参谋长",
    "发言人",
    "国务卿",
    "参议员",
    "众议员",
    "总统",
    "总理",
    "首相",
    "外长",
    "防长",
    "特使",
    "局长",
    "顾问",
    "主任",
    "司令",
    "部长",
    "大臣",
    "大使",
    "主席",
    "议长",
    "王储",
    "秘书",
)

TITLE_PATTERN = re.compile("|".join(TITLES))
TITLE_WORDS = frozenset(TITLES)

# Titles that follow a name: 普京总统(Vladimir Putin), 凯洛格将军.
TRAILING_TITLES = ("总统", "总理", "首相", "将军", "先生", "女士", "主席", "外长")

_NAME_JOINERS = frozenset(NAME_DOTS + "-‐")


# A name never ends in these, which also follow a subject: 瑟比加则表示 is 瑟比加 + 则表示.
_NEVER_LAST = "则"


def name_run_after(text: str, start: int, limit: int = 12) -> int:
    """Return where a transliterated name starting at start ends (start if none)."""
    end = start
    while end < len(text) and end - start < limit:
        char = text[end]
        if char in TRANSLITERATION_CHARS:
            end += 1
        elif char in "-‐" and end + 1 < len(text) and text[end + 1] in TRANSLITERATION_CHARS:
            # double-barrelled names: 柯辛尼亚克-卡米兹
            end += 1
        else:
            break
    return trim_run(text, start, end)


def trim_run(text: str, start: int, end: int) -> int:
    """Return the end of the name in a run of transliteration characters start:end."""
    while end > start and text[end - 1] in _NEVER_LAST:
        end -= 1
    return end


def dotted_name_around(text: str, dot: int) -> tuple[int, int] | None:
    """Return the span of a middle-dot full name around the dot at index dot, or None."""
    allowed = TRANSLITERATION_CHARS | _DOT_NAME_EXTRA
    start = dot
    while start > 0 and dot - start < 8 and text[start - 1] in allowed:
        start -= 1
    end = dot + 1
    while end < len(text) and end - dot < 24:
        char = text[end]
        joins = char in _NAME_JOINERS and end + 1 < len(text) and text[end + 1] in allowed
        if char in allowed or joins:
            end += 1
        else:
            break
    if start == dot or end == dot + 1:
        return None
    return start, end


def name_run_before(text: str, end: int, limit: int = 20) -> int:
    """Return where a transliterated (maybe middle-dot) name ending at end starts."""
    start = end
    while start > 0 and end - start < limit:
        char = text[start - 1]
        joins = char in _NAME_JOINERS and start >= 2 and text[start - 2] in TRANSLITERATION_CHARS
        if char in TRANSLITERATION_CHARS or joins:
            start -= 1
        else:
            break
    return start
