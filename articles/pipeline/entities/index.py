"""The alias index: every known surface of every entity, for matching and resolution."""

from __future__ import annotations

import math
import os
import re
import unicodedata
from collections.abc import Iterable

# Names are read character by character, so pypinyin's phrase dictionary (about 40 MB in
# every worker process) is never needed. The variable must be set before the import.
os.environ.setdefault("PYPINYIN_NO_PHRASES", "true")

from pypinyin import lazy_pinyin

from articles.pipeline.lexicon import LexiconEntry
from articles.pipeline.scripts import to_simplified

# Letters of Latin-script names, diacritics included (Władysław, Erdoğan, Orbán).
LATIN_WORD = re.compile(r"[A-Za-z0-9\u00c0-\u024f]+")
_HAN = re.compile(r"[\u3400-\u9fff\U00020000-\U0003134f]")
NAME_DOTS = "·•‧・∙"
_DOT_SPLIT = re.compile(f"[{NAME_DOTS}]")
# Letters NFKD does not decompose into a base letter plus an accent.
_FOLD = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ß": "ss"})

# Kinds whose transliterated names are compared by sound; organisation and outlet
# names are translated, not transliterated, so a near-homophone means nothing there.
_SOUND_KINDS = ("person", "place")


def fold_latin(text: str) -> str:
    """Return text lowercased, without diacritics, words joined by single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(LATIN_WORD.findall(plain.casefold()))


def first_folded_word(word: str) -> str:
    """Return the first word of fold_latin(word), for a word of LATIN_WORD."""
    if word.isascii():  # nearly always: folding ASCII letters and digits only lowercases
        return word.lower()
    return fold_latin(word).partition(" ")[0]


def is_latin(surface: str) -> bool:
    """Return whether a surface is written in Latin script only (no Chinese characters)."""
    return bool(LATIN_WORD.search(surface)) and not _HAN.search(surface)


def last_name_part(name: str) -> str:
    """Return the part of a Chinese full name after its last middle dot (the surname)."""
    return _DOT_SPLIT.split(name)[-1]


def _exact_case(surface: str) -> bool:
    # Acronyms and short names (CNN, AP, X, EU, Bild) only count in their own case:
    # "ap" or "eu" inside ordinary Latin text are not outlets or unions.
    compact = surface.replace(" ", "")
    return len(compact) <= 4 or compact.isupper()


class AliasIndex:
    """Surfaces mapped to entity keys; from the lexicon or, later, from the database rows."""

    def __init__(self, aliases: Iterable[tuple[str, str, str, str]]) -> None:
        self.cjk: dict[str, str] = {}
        self.latin_exact: dict[tuple[str, ...], str] = {}
        self.latin_folded: dict[str, str] = {}
        self.max_latin_words = 1
        self.kinds: dict[str, str] = {}
        self.latins: dict[str, str] = {}
        self._by_latin: dict[str, set[str]] = {}
        self._by_last_latin: dict[str, set[str]] = {}
        self._sounds: dict[tuple[str, int], list[tuple[tuple[str, ...], str]]] | None = None
        # First parts of known full names (弗拉基米尔, 唐纳德): alone they name nobody.
        self.given_names: set[str] = set()
        for surface, key, kind, latin in aliases:
            surface = surface.strip()
            self.kinds.setdefault(key, kind)
            if latin:
                self.latins.setdefault(key, latin)
                self._add_latin_name(latin, key)
            if not surface:
                continue
            if is_latin(surface):
                self._add_latin_name(surface, key)
                words = tuple(LATIN_WORD.findall(surface))
                self.max_latin_words = max(self.max_latin_words, len(words))
                if _exact_case(surface):
                    self.latin_exact.setdefault(words, key)
                else:
                    self.latin_folded.setdefault(fold_latin(surface), key)
            else:
                simplified = to_simplified(surface)
                # The first entity to claim a surface keeps it: the database holds aliases
                # unique already, and the lexicon loader rejects clashes.
                self.cjk.setdefault(simplified, key)
                parts = _DOT_SPLIT.split(simplified)
                if kind == "person" and len(parts) > 1:
                    self.given_names.add(parts[0])
        # The lengths of the aliases by their first two characters, longest first: at a
        # first character, the lookups worth making (most are followed by no alias's
        # second character, as 美 in 美元).
        pairs: dict[str, set[int]] = {}
        for surface in self.cjk:
            if len(surface) > 1:
                pairs.setdefault(surface[:2], set()).add(len(surface))
        self.pair_lengths = {pair: tuple(sorted(ls, reverse=True)) for pair, ls in pairs.items()}
        self.single_chars = {surface for surface in self.cjk if len(surface) == 1}
        # The first word of every Latin alias, as written and folded: a run of Latin words
        # (most are numbers) starting with neither is no alias, whatever follows it.
        self.latin_exact_firsts = {words[0] for words in self.latin_exact}
        self.latin_folded_firsts = {folded.partition(" ")[0] for folded in self.latin_folded}
        # Where a Chinese alias may start: about a fifth of an article's characters, which
        # the regex engine finds without a Python step per character.
        self.first_chars = re.compile(
            "[" + "".join(map(re.escape, sorted({surface[0] for surface in self.cjk}))) + "]"
            if self.cjk
            else "(?!)"
        )

    @classmethod
    def from_lexicon(cls, entries: Iterable[LexiconEntry]) -> AliasIndex:
        """Return the index of the lexicon entries, keyed by canonical name."""
        return cls(
            (surface, entry.name, entry.kind, entry.latin)
            for entry in entries
            for surface in entry.surfaces()
        )

    def _add_latin_name(self, name: str, key: str) -> None:
        folded = fold_latin(name)
        if folded:
            self._by_latin.setdefault(folded, set()).add(key)
            self._by_last_latin.setdefault(folded.split()[-1], set()).add(key)

    def lookup(self, surface: str) -> str | None:
        """Return the key of the entity a Chinese or Latin surface names, or None."""
        if is_latin(surface):
            words = tuple(LATIN_WORD.findall(surface))
            return self.latin_exact.get(words) or self.latin_folded.get(fold_latin(surface))
        return self.cjk.get(to_simplified(surface.strip()))

    def resolve_latin(self, name: str) -> str | None:
        """Return the entity a Latin name refers to: full name, else a unique last name."""
        folded = fold_latin(name)
        if not folded:
            return None
        keys = self._by_latin.get(folded)
        if keys is None:
            # "Witkoff" alone or "Steven Witkoff" is no stored spelling, but only one
            # person is called Witkoff. Romanisations of one surname differ by a letter
            # (Sybiha / Sybiga, Zelensky / Zelenskyy), so a near miss counts when unique.
            words = folded.split()
            keys = {
                key
                for last, candidates in self._by_last_latin.items()
                if _near(words[-1], last)
                for key in candidates
                if self.kinds[key] == "person" and self._same_initial(key, words)
            }
        return next(iter(keys)) if len(keys) == 1 else None

    def latin_compatible(self, key: str, name: str) -> bool:
        """Return whether an unknown Latin name may be another spelling of key's name."""
        # 泽连斯基(Wolodymyr Zelenskij) teaches a spelling; 普京(Getty Images), a photo
        # credit, must not: the surnames must at least start alike.
        known = fold_latin(self.latins.get(key, "")).split()
        words = fold_latin(name).split()
        return bool(words) and (not known or known[-1][0] == words[-1][0])

    def _same_initial(self, key: str, words: list[str]) -> bool:
        # Andriy / Andrii Sybiha: given names may differ in spelling, not in initial.
        known = fold_latin(self.latins.get(key, "")).split()
        return len(words) < 2 or len(known) < 2 or words[0][0] == known[0][0]

    def resolve_by_sound(self, name: str, kind: str) -> str | None:
        """Return the entity whose transliteration sounds like name, or None.

        Same length, at least three quarters of the syllables equal (toneless pinyin), and
        the same first syllable or the same last two: 泽伦斯基 ze-lun-si-ji is 泽连斯基
        ze-lian-si-ji. Names under three characters must sound identical, and any tie
        between two entities resolves to nothing.
        """
        if kind not in _SOUND_KINDS or len(name) < 3:
            return None
        target = syllables(to_simplified(name))
        best: dict[str, int] = {}
        for candidate, key in self._sound_table().get((kind, len(target)), ()):
            same = sum(a == b for a, b in zip(target, candidate, strict=True))
            if same < math.ceil(0.75 * len(target)):
                continue
            if target[0] != candidate[0] and target[-2:] != candidate[-2:]:
                continue
            best[key] = max(best.get(key, 0), same)
        if not best:
            return None
        top = max(best.values())
        winners = [key for key, same in best.items() if same == top]
        return winners[0] if len(winners) == 1 else None

    def _sound_table(self) -> dict[tuple[str, int], list[tuple[tuple[str, ...], str]]]:
        # Built on first use: pinyin for a thousand aliases takes a moment, and an index
        # shipped to worker processes should stay small when pickled.
        if self._sounds is None:
            table: dict[tuple[str, int], list[tuple[tuple[str, ...], str]]] = {}
            for surface, key in self.cjk.items():
                kind = self.kinds[key]
                if kind not in _SOUND_KINDS:
                    continue
                for form in dict.fromkeys((surface, last_name_part(surface))):
                    if len(form) >= 3 and _HAN.fullmatch(form[0]):
                        table.setdefault((kind, len(form)), []).append((syllables(form), key))
            self._sounds = table
        return self._sounds

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["_sounds"] = None
        return state


def _near(a: str, b: str) -> bool:
    """Return whether two Latin surnames are equal or one edit apart (both 5+ letters)."""
    if a == b:
        return True
    if min(len(a), len(b)) < 5 or abs(len(a) - len(b)) > 1:
        return False
    # one substitution, insertion or deletion
    i = 0
    while i < min(len(a), len(b)) and a[i] == b[i]:
        i += 1
    return a[i + 1 :] == b[i + 1 :] or a[i + 1 :] == b[i:] or a[i:] == b[i + 1 :]


_SYLLABLE_CACHE: dict[str, str] = {}


def syllables(name: str) -> tuple[str, ...]:
    """Return the toneless pinyin of each character of name (one reading per character)."""
    out = []
    for char in name:
        syllable = _SYLLABLE_CACHE.get(char)
        if syllable is None:
            # Character by character, so a character reads the same in every name
            # (pypinyin's phrase rules would read 什 differently in different words).
            syllable = _SYLLABLE_CACHE[char] = lazy_pinyin(char)[0]
        out.append(syllable)
    return tuple(out)
