"""Bytes of one uploaded file -> text: detect the encoding, reject what is not text.

Real dumps arrive as UTF-8 (with or without BOM), UTF-16, GB18030/GBK and Big5. The file name
says nothing reliable, so the bytes decide: BOMs first, then strict UTF-8, then UTF-16 without a
BOM when NUL bytes sit in alternate positions, then GB18030 and Big5, which often both decode the
same bytes and are told apart by how ordinary the decoded Chinese looks.
"""

# Chinese text is full of full-width punctuation, which this code exists to handle.

import codecs
import math
import re
from dataclasses import dataclass

MAX_BYTES = 5 * 1024 * 1024

# A GB18030 or Big5 candidate whose non-ASCII characters score below this is mojibake, not text.
_MIN_CJK_SCORE = 0.2
# Only the head of a big file is scored: enough to tell the encodings apart, and bounded in time.
_SCORE_CHARS = 20_000

_UNDECODABLE = "undecodable bytes: not UTF-8, UTF-16, GB18030 or Big5"

# The 500 most frequent simplified characters (by word frequency in jieba's dictionary) and
# their traditional forms (OpenCC s2t and s2tw) where those differ.
_COMMON_SIMPLIFIED = (
    "一是人了不在有大中国和为这上他个地年来我会以到时要出的生学说道民家子也成行下们于后就发自"
    "之对得主长可过天作分方用多你着部能市等业全里工公经本都而高政法面门动日进区事代那去心小同"
    "北定开产前其军还然起种所如现理机体表力好外与文当两实重新三么只山水关明从化平建又制南内西"
    "没此将员名手最东头者月间无安看见各城十相但已些正口通想度加第她合院物性战由位常点海意场武"
    "使次二向治因立数样身情入原问把路被并利石老教万知级量任江及应省资委务元美特期世湖回系比气"
    "汉总展电科金先声提品设或义王社很统处四首共马形己儿司太目基领队直计别女权话少流命至报米给"
    "打变果书清活几州华解议更称程今决张导术府才保交放管结师便走达族反再题色五京河接条规式县白"
    "它改风光运信受什组听布百济党指论强做取技黄神选记斯真却职号界件花类何眼兵传带空干农边据集"
    "联古广完质阳难增历史专官每住商即步认车台林必死游举线言皇土团收考求德叫近备研争非具李众连"
    "调感转笑革该持始英克士尔让拉思根格造较际亲单朝红型价校约器字段周亚深候则功属积快图火千准"
    "究往极育装许参半令吃观鱼精办像帝八复影告远群包整构料随划算象容示投势热值夫网望源息语股铁"
    "断派速怎需片爱律纪支早况"
)
_COMMON_TRADITIONAL_ONLY = (
    "國爲這個來會時學說們於後發對長過業裏經門動進區開產軍還種現機體與當兩實麼關從內沒將員東頭"
    "間無見數樣問並萬級應資務總電聲設義統處馬兒領隊計別權話報給變書幾華議稱決張導術結師達題條"
    "規縣運聽濟黨論強黃選記卻職號類傳帶幹農邊據聯廣質陽難歷專認車臺遊舉線團備爭衆連調轉該爾讓"
    "較際親單紅價約圖準極裝許參喫觀魚辦復遠羣構隨勢熱網語鐵斷愛紀況為著裡眾臉群台"
)
_CJK_PUNCTUATION = "，。、：；！？“”‘’「」『』（）《》〈〉【】—…·‧　"
_COMMON = frozenset(_COMMON_SIMPLIFIED + _COMMON_TRADITIONAL_ONLY + _CJK_PUNCTUATION)

# Characters that real Chinese news almost never contains but mis-decoded bytes produce often:
# private use, replacement char, C1 controls, CJK extension A and B+, compatibility ideographs,
# kana, Hangul, box drawing, Greek and Cyrillic (GB2312 puts kana and Cyrillic where Big5 puts
# common characters).
_UNLIKELY = re.compile(
    "[\ue000-\uf8ff\ufffd\x80-\x9f\u3400-\u4dbf\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af"
    "\u2500-\u257f\u0370-\u03ff\u0400-\u04ff\U00020000-\U0003ffff]"
)
# Control bytes other than tab, newline, vertical tab, form feed and carriage return. Every
# encoding tried here keeps bytes below 0x20 as themselves, so counting bytes counts characters.
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0e-\x1f\x7f]")
_CONTROL_CHARS = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")


class DecodeError(ValueError):
    """The file cannot be read as text; the message is a short reason to show the user."""


@dataclass(frozen=True, slots=True)
class Decoded:
    text: str
    encoding: str  # "utf-8", "utf-8-sig", "utf-16", "gb18030" or "big5"


def decode_bytes(data: bytes) -> Decoded:
    """Return the text of a file's bytes with line endings normalised, or raise DecodeError."""
    if len(data) > MAX_BYTES:
        # Round up so a file just over the limit never reads "5.0 MB, over the 5 MB limit".
        size = math.ceil(len(data) / (1024 * 1024) * 10) / 10
        raise DecodeError(f"file is {size:.1f} MB, over the 5 MB limit")
    if not data:
        raise DecodeError("empty file")
    text, encoding = _decode(data)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise DecodeError("empty file (whitespace only)")
    if binary_text(text):
        raise DecodeError("binary file (control characters)")
    if "\x00" in text:
        # A BOM skips the NUL-byte test above, and PostgreSQL cannot store NUL in text.
        raise DecodeError("binary file (NUL characters)")
    return Decoded(text=text, encoding=encoding)


def _decode(data: bytes) -> tuple[str, str]:
    """Return (text, encoding name) for the first encoding that fits the bytes."""
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data.decode("utf-8-sig"), "utf-8-sig"
        except UnicodeDecodeError:
            pass
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    if b"\x00" in data:
        codec = _utf16_codec_without_bom(data)
        if codec:
            try:
                text = data.decode(codec)
            except UnicodeDecodeError:
                pass
            else:
                if _plausible(text):
                    return text, "utf-16"
        raise DecodeError("binary file (NUL bytes)")
    if _too_many(len(_CONTROL_BYTES.findall(data)), len(data)):
        raise DecodeError("binary file (control characters)")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    return _decode_chinese_legacy(data)


def _decode_chinese_legacy(data: bytes) -> tuple[str, str]:
    """Return (text, "gb18030" | "big5") for whichever decodes to the more ordinary Chinese."""
    candidates: list[tuple[float, str, str]] = []
    # cp950 (Microsoft's Big5) and Big5-HKSCS add characters that Taiwan and Hong Kong sites use;
    # they are still Big5 to us.
    codecs_tried = (
        ("gb18030", "gb18030"),
        ("big5", "big5"),
        ("big5", "cp950"),
        ("big5", "big5hkscs"),
    )
    for name, codec in codecs_tried:
        if any(found == name for _, found, _ in candidates):
            continue
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        candidates.append((_cjk_score(text), name, text))
    if not candidates:
        raise DecodeError(_UNDECODABLE)
    # max() keeps the first of equal scores, so a tie goes to GB18030, the commoner of the two.
    score, name, text = max(candidates, key=lambda c: c[0])
    if score < _MIN_CJK_SCORE:
        raise DecodeError(_UNDECODABLE)
    return text, name


def _cjk_score(text: str) -> float:
    """Return the share of non-ASCII characters that are common Chinese, minus unlikely ones."""
    head = text[:_SCORE_CHARS]
    non_ascii = len(head) - len(head.encode("ascii", "ignore"))
    if non_ascii == 0:
        return 1.0
    common = sum(map(_COMMON.__contains__, head))
    unlikely = len(_UNLIKELY.findall(head))
    return (common - unlikely) / non_ascii


def _utf16_codec_without_bom(data: bytes) -> str | None:
    """Return "utf-16-le"/"utf-16-be" when NULs sit in one byte position of code units."""
    if len(data) % 2:
        return None
    even, odd = data[0::2].count(0), data[1::2].count(0)
    units = len(data) // 2
    # ASCII (newlines, digits, commas) in UTF-16 puts a NUL in every unit's high byte; a CJK unit
    # has a NUL byte only rarely, so a real file shows a strong one-sided pattern.
    dominant, other = max(even, odd), min(even, odd)
    if dominant < max(2, units * 0.02) or other > dominant / 4:
        return None
    return "utf-16-le" if odd > even else "utf-16-be"


def _plausible(text: str) -> bool:
    """Return whether text decoded without a BOM looks like writing rather than random units."""
    head = text[:_SCORE_CHARS]
    ordinary = len(head.encode("ascii", "ignore")) + sum(map(_COMMON.__contains__, head))
    return ordinary >= len(head) * 0.5


def binary_text(text: str) -> bool:
    """Return whether text holds too many control characters to be writing."""
    return _too_many(len(_CONTROL_CHARS.findall(text)), len(text))


def _too_many(control: int, total: int) -> bool:
    """Return whether control characters are too many for a text file (a stray one is fine)."""
    return control > total * 0.01 + 1
