"""Reading uploaded files: encoding detection, rejection of non-text, and normalisation."""

# Chinese text is full of full-width punctuation, which this code exists to handle.

import codecs
from pathlib import Path

import numpy as np
import opencc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from articles.pipeline.decode import MAX_BYTES, Decoded, DecodeError, decode_bytes
from articles.pipeline.normalize import content_hash, match_key, normalize_text

SAMPLES = sorted(Path(__file__).resolve().parents[2].joinpath("data", "samples").glob("*.txt"))
ENCODINGS = {"utf-8", "utf-8-sig", "utf-16", "gb18030", "big5"}
_to_taiwan = opencc.OpenCC("s2tw")


def sample_text(path: Path) -> str:
    # "»" (in 003's "Translate »") exists in neither GBK nor Big5; the rest of every sample does.
    return path.read_text(encoding="utf-8").replace("»", ">>")


def sample_lines() -> list[str]:
    return [
        line
        for path in SAMPLES
        for line in sample_text(path).split("\n")
        if len(line.strip()) >= 8 and not line.isascii()
    ]


def test_there_are_four_samples():
    assert len(SAMPLES) == 4


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name[:3])
@pytest.mark.parametrize(
    ("encode", "expected"),
    [
        (lambda s: s.encode("utf-8"), "utf-8"),
        (lambda s: codecs.BOM_UTF8 + s.encode("utf-8"), "utf-8-sig"),
        (lambda s: s.encode("utf-16"), "utf-16"),
        (lambda s: codecs.BOM_UTF16_LE + s.encode("utf-16-le"), "utf-16"),
        (lambda s: codecs.BOM_UTF16_BE + s.encode("utf-16-be"), "utf-16"),
        (lambda s: s.encode("utf-16-le"), "utf-16"),
        (lambda s: s.encode("utf-16-be"), "utf-16"),
        (lambda s: s.encode("gb18030"), "gb18030"),
        (lambda s: s.encode("gbk"), "gb18030"),
    ],
    ids=[
        "utf8",
        "utf8-bom",
        "utf16-native-bom",
        "utf16le-bom",
        "utf16be-bom",
        "utf16le-no-bom",
        "utf16be-no-bom",
        "gb18030",
        "gbk",
    ],
)
def test_samples_decode_in_every_mainland_encoding(path, encode, expected):
    text = sample_text(path)
    decoded = decode_bytes(encode(text))
    assert decoded == Decoded(text=text, encoding=expected)


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name[:3])
def test_samples_in_traditional_characters_decode_as_big5(path):
    # Big5 cannot encode simplified characters: Taiwan sites publish in traditional ones.
    text = _to_taiwan.convert(sample_text(path))
    decoded = decode_bytes(text.encode("big5"))
    assert decoded == Decoded(text=text, encoding="big5")


def test_single_lines_tell_gb18030_from_big5():
    # Short texts are where both codecs decode the same bytes; scoring must still pick right.
    checked = 0
    for line in sample_lines():
        assert decode_bytes(line.encode("gb18030")).encoding == "gb18030", line
        traditional = _to_taiwan.convert(line)
        assert decode_bytes(traditional.encode("big5")).encoding == "big5", traditional
        checked += 1
    assert checked > 150


def test_big5_text_using_microsoft_extensions_is_still_big5():
    # "碁" and the euro sign are in cp950 (Big5 as Windows writes it), not in strict Big5.
    text = "台灣棋院表示，圍碁比賽獎金為一萬€，將於下月舉行。"
    with pytest.raises(UnicodeEncodeError):
        text.encode("big5")
    decoded = decode_bytes(text.encode("cp950"))
    assert decoded == Decoded(text=text, encoding="big5")


def test_hong_kong_big5_with_hkscs_characters_is_still_big5():
    text = "香港市民表示，大廈𨋢經常故障，要求業主立案法團盡快維修。"
    with pytest.raises(UnicodeEncodeError):
        text.encode("cp950")
    decoded = decode_bytes(text.encode("big5hkscs"))
    assert decoded == Decoded(text=text, encoding="big5")


def test_line_endings_are_normalised():
    decoded = decode_bytes("标题\r\n第一段。\r第二段。\n".encode("gb18030"))
    assert decoded.text == "标题\n第一段。\n第二段。\n"


def test_utf8_bom_is_not_kept_in_the_text():
    assert decode_bytes(codecs.BOM_UTF8 + "标题".encode()).text == "标题"


def test_empty_file_is_rejected():
    with pytest.raises(DecodeError, match=r"^empty file$"):
        decode_bytes(b"")


@pytest.mark.parametrize("data", [b" \n\t\r\n", codecs.BOM_UTF8 + b"\n", "\u3000\n".encode()])
def test_whitespace_only_file_is_rejected(data):
    with pytest.raises(DecodeError, match="empty file"):
        decode_bytes(data)


def test_file_over_the_limit_is_rejected_before_decoding():
    # Invalid bytes everywhere: only the size check can produce this message.
    data = b"\xff" * (6 * 1024 * 1024 + 200_000)
    with pytest.raises(DecodeError, match=r"^file is 6\.2 MB, over the 5 MB limit$"):
        decode_bytes(data)


def test_file_just_over_the_limit_does_not_claim_to_be_5_0_mb():
    with pytest.raises(DecodeError, match=r"^file is 5\.1 MB, over the 5 MB limit$"):
        decode_bytes(b"a" * (MAX_BYTES + 1))


def test_file_at_the_limit_is_accepted():
    assert decode_bytes(b"a" * MAX_BYTES).encoding == "utf-8"


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00" + bytes(range(256)),
        b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 20 + "新闻.txt".encode(),
        "普京表示\x00愿意谈判。".encode(),
    ],
    ids=["png", "zip", "nul-in-utf8"],
)
def test_files_with_nul_bytes_are_binary(data):
    with pytest.raises(DecodeError, match=r"^binary file \(NUL bytes\)$"):
        decode_bytes(data)


def test_random_bytes_are_rejected():
    rng = np.random.default_rng(7)
    for _ in range(50):
        data = rng.bytes(2000)
        with pytest.raises(DecodeError):
            decode_bytes(data)


def test_text_full_of_control_characters_is_binary():
    data = ("普京表示愿意谈判\x01\x02\x03\x04" * 20).encode()
    with pytest.raises(DecodeError, match="binary file"):
        decode_bytes(data)


def test_a_stray_control_character_is_tolerated():
    text = "普京表示愿意谈判。" * 10 + "\x1b乌克兰方面尚未回应。"
    assert decode_bytes(text.encode()).text == text


def test_latin1_text_is_not_passed_off_as_chinese():
    # Western European bytes often decode "successfully" as GB18030 into nonsense characters.
    data = "Die Gespräche über die Ukraine würden fortgesetzt, sagte Selenskyj.".encode("latin-1")
    with pytest.raises(DecodeError, match=r"^undecodable bytes"):
        decode_bytes(data)


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=3000))
def test_any_bytes_either_decode_or_raise_decode_error(data):
    try:
        decoded = decode_bytes(data)
    except DecodeError as error:
        assert str(error)
    else:
        assert decoded.encoding in ENCODINGS
        assert "\r" not in decoded.text
        assert decoded.text.strip()


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=1, max_size=500), st.sampled_from(["utf-8", "utf-16"]))
def test_unicode_text_round_trips_unless_rejected(text, encoding):
    # UTF-8 and UTF-16 with its BOM are unambiguous: the text comes back or the file is refused.
    try:
        decoded = decode_bytes(text.encode(encoding))
    except DecodeError:
        return
    expected = text.replace("\r\n", "\n").replace("\r", "\n")
    if decoded.encoding == "utf-8-sig":
        expected = expected.removeprefix("\ufeff")
    assert decoded.text == expected


# --- normalize_text / match_key / content_hash -------------------------------------------------


def test_normalize_text_unifies_line_endings_and_strips_trailing_spaces():
    text = "标题  \r\n第一段。\u3000\r第二段。\u2028第三段。\t"
    assert normalize_text(text) == "标题\n第一段。\n第二段。\n第三段。"


def test_normalize_text_keeps_original_punctuation_and_indentation():
    text = "\u3000\u3000他说:“我们(美方)会继续。”,「好」"
    assert normalize_text(text) == text


def test_normalize_text_composes_to_nfc():
    assert normalize_text("Zelenske\u0301") == "Zelenské"
    # A CJK compatibility ideograph becomes its unified form.
    assert normalize_text("\uf900") == "\u8c48"


@given(st.text())
def test_normalize_text_is_idempotent(text):
    once = normalize_text(text)
    assert normalize_text(once) == once
    assert "\r" not in once


def test_match_key_folds_width_punctuation_and_case():
    assert match_key("普京：“和平计划”（草案），ＡＢＣ、『测试』") == match_key(
        '普京:"和平计划"(草案),abc,"测试"'
    )
    assert match_key("  第一段\n\n第二段\u3000 End ") == "第一段 第二段 end"
    assert match_key("维特科夫・史蒂夫") == match_key("维特科夫·史蒂夫")
    assert match_key("零\u200b宽") == "零宽"


def test_content_hash_ignores_punctuation_width_and_spacing_only():
    body = "普京说:“俄方愿意谈判。”\n乌方表示欢迎。"
    assert content_hash(body) == content_hash("普京说：“俄方愿意谈判。”  乌方表示欢迎。")
    assert content_hash(body) != content_hash("普京说:“俄方不愿意谈判。”\n乌方表示欢迎。")
    assert len(content_hash(body)) == 64
