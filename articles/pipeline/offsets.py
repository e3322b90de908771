"""Offsets: the database counts Unicode code points, browsers count UTF-16 code units.

Characters outside the Basic Multilingual Plane (emoji, CJK Extension B such as 𠮷) are one
code point but two UTF-16 units, so the two counts drift apart after each of them.
"""

from bisect import bisect_left


def utf16_length(text: str) -> int:
    """Return the length of text in UTF-16 code units."""
    return len(text) + sum(1 for c in text if ord(c) > 0xFFFF)


def utf16_to_codepoint(text: str, offset: int) -> int:
    """Return the code-point offset of a UTF-16 offset into text.

    Raises ValueError when the offset is out of range or splits a surrogate pair.
    """
    if offset < 0:
        raise ValueError("offset is negative")
    units = 0
    for index, char in enumerate(text):
        if units == offset:
            return index
        units += 2 if ord(char) > 0xFFFF else 1
        if units > offset:
            raise ValueError("offset falls inside a character (a surrogate pair)")
    if units == offset:
        return len(text)
    raise ValueError("offset is past the end of the text")


def codepoint_to_utf16(text: str, offset: int) -> int:
    """Return the UTF-16 offset of a code-point offset into text."""
    return utf16_length(text[:offset])


class Utf16Index:
    """Converts many code-point offsets of one text to UTF-16, each in O(log n)."""

    def __init__(self, text: str) -> None:
        # positions of the characters that take two UTF-16 units (usually none)
        self.astral = [i for i, c in enumerate(text) if ord(c) > 0xFFFF]

    def utf16(self, offset: int) -> int:
        """Return the UTF-16 offset of a code-point offset."""
        return offset + bisect_left(self.astral, offset) if self.astral else offset
