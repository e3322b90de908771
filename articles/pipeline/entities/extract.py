"""Entity mentions in one article: lexicon aliases, Latin names, titles, middle dots, POS."""

from __future__ import annotations

import operator
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from itertools import compress

from articles.pipeline.entities.index import (
    LATIN_WORD,
    NAME_DOTS,
    AliasIndex,
    first_folded_word,
    fold_latin,
    last_name_part,
)
from articles.pipeline.entities.results import (
    Extraction,
    NewAlias,
    NewEntity,
    mention_from_tuple,
    new_entity_key,
)
from articles.pipeline.entities.translit import (
    COMMON_SURNAMES,
    GIVEN_NAMES,
    NAME_RUN,
    ORGANISATION_ENDINGS,
    PERSON_TAGS,
    PLACE_TAGS,
    TITLE_PATTERN,
    TITLE_WORDS,
    TRAILING_TITLES,
    TRANSLITERATION_CHARS,
    chinese_names,
    dictionary_tags,
    dotted_name_around,
    is_common_word,
    name_run_after,
    name_run_before,
    organisation_words,
    trim_run,
)
from articles.pipeline.scripts import to_simplified
from articles.pipeline.segment import TOKEN_END, TOKEN_START, Token, Tokenizer, get_tokenizer

# A Latin name in parentheses: 维特科夫(Steve Witkoff), 雅西恩卡（Jasionka）.
_LATIN_PAREN = re.compile(
    r"[(（]\s*([A-Za-z\u00c0-\u024f][A-Za-z0-9\u00c0-\u024f .'’\-]{0,60}?)\s*[)）]"
)
# What may separate the words of one Latin name: Kosiniak-Kamysz, J.D. Vance, O'Brien.
_LATIN_GAP = re.compile(r"[ .'’\-]{1,3}")
_HAN_ONLY = re.compile(r"[\u3400-\u9fff]+")
_PLUS_2 = (2).__add__
_AT_LEAST_3 = (2).__lt__
_NAME_DOT = re.compile(f"[{re.escape(NAME_DOTS)}]")
_SENTENCE_END = "。！？；!?;\n"
_CLOSERS = " 》」』”\"'"

# jieba tags that name things, and what the POS rule accepts for each.
_POS_KINDS = {
    "nr": "person",
    "nrfg": "person",
    "nrt": "person",
    "ns": "place",
    "nt": "organisation",
}
_PLACE_ENDINGS = tuple("州省市县镇村岛港湾河")
# What follows a place or a speaker: 康斯坦丁诺夫卡方向, 沙赫马托夫说.
_PLACE_CONTEXT = ("州", "市", "镇", "村", "方向", "地区", "一带", "附近", "前线", "城郊")
_SPEECH_VERBS = ("说", "表示", "称", "指出", "强调", "透露", "告诉", "警告", "认为", "补充")
_LOCATIVES = "在于"  # before a place: 在基辅说, 于伊斯坦布尔举行


@dataclass
class _Span:
    start: int
    end: int
    key: str
    method: str


@dataclass
class _New:
    name: str
    kind: str
    latin: str = ""
    aliases: list[str] = field(default_factory=list)


def extract_entities(
    text: str,
    tokens: list[Token],
    index: AliasIndex,
    *,
    tokenizer: Tokenizer | None = None,
    use_pos: bool = True,
) -> Extraction:
    """Return the entity mentions in text, the new entities and the new aliases it shows.

    tokens are text's tokens from Tokenizer.cut: a lexicon match must not cut a
    dictionary word in two (乌克兰国防部 inside 乌克兰国防部长). Mentions never overlap.
    """
    article = _Article(text, tokens, index, tokenizer)
    article.match_lexicon()
    article.match_latin_parentheses()
    article.match_middle_dot_names()
    article.match_titles()
    article.match_coreference()
    if use_pos:
        article.match_pos()
        article.match_name_runs()
        article.match_coreference()
    return article.extraction()


class _Article:
    """The working state of one extraction: spans taken so far and what they resolve to."""

    def __init__(
        self, text: str, tokens: list[Token], index: AliasIndex, tokenizer: Tokenizer | None
    ) -> None:
        self.text = text
        self.s = to_simplified(text)
        self.index = index
        self.tokens = tokens
        self._tokenizer = tokenizer
        self.taken = bytearray(len(text))
        self.spans: dict[int, _Span] = {}  # by start
        self.new: dict[str, _New] = {}
        self.new_aliases: dict[tuple[str, str], str] = {}
        # surfaces learnt in this article (new names, new spellings) for co-reference
        self.local: dict[str, str] = {}
        # Chinese name spans followed by a Latin name nobody knows: end -> Latin name
        self.unresolved_latin: dict[int, str] = {}
        covered = bool(tokens) and tokens[-1].end == len(text)
        self._starts = list(map(TOKEN_START, tokens)) if covered else []
        self._bounds = set(self._starts).union(map(TOKEN_END, tokens)) if covered else set()

    @property
    def tokenizer(self) -> Tokenizer:
        if self._tokenizer is None:
            self._tokenizer = get_tokenizer()
        return self._tokenizer

    # --- bookkeeping -----------------------------------------------------------------

    def free(self, start: int, end: int) -> bool:
        return self.taken.find(1, start, end) == -1

    def place(self, start: int, end: int, key: str, method: str) -> None:
        self.taken[start:end] = b"\x01" * (end - start)
        self.spans[start] = _Span(start, end, key, method)

    def remove(self, span: _Span) -> None:
        self.taken[span.start : span.end] = bytes(span.end - span.start)
        del self.spans[span.start]

    def kind(self, key: str) -> str:
        return self.new[key].kind if key in self.new else self.index.kinds[key]

    def aligned(self, start: int, end: int) -> bool:
        """Return whether neither end of start:end falls inside a dictionary word."""
        return self._boundary_ok(start) and self._boundary_ok(end)

    def _boundary_ok(self, pos: int) -> bool:
        if not self._starts or pos in self._bounds or pos in (0, len(self.text)):
            return True
        token = self.tokens[bisect_right(self._starts, pos) - 1]
        word = self.s[token.start : token.end]
        # A word jieba only guessed with its HMM (琴科说) may well be cut; a dictionary
        # word (国防部长, 苏联) is not cut by a real name, but for a place and a title that
        # jieba keeps as one word (英国首相, 德国总理).
        return not self.tokenizer.in_dictionary(word) or word[pos - token.start :] in TITLE_WORDS

    def learn(self, key: str, surface: str, method: str) -> None:
        """Record that surface names key in this article (an alias if the index lacks it)."""
        simple = to_simplified(surface)
        last = last_name_part(simple)
        surfaces = [surface]
        if last != simple and self.kind(key) == "person":
            # the surname of a newly seen full name (威特可夫 of 史蒂夫·威特可夫) is how
            # later sentences and later articles will write it
            surfaces.append(surface[-len(last) :])
        for form in surfaces:
            if self.index.lookup(form) == key:
                continue
            if key in self.new:
                new = self.new[key]
                if form != new.name and form not in new.aliases:
                    new.aliases.append(form)
            else:
                self.new_aliases.setdefault((key, form), method)
        for form in (simple, last):
            if len(form) >= 2 and self.index.cjk.get(form, key) == key:
                self.local.setdefault(form, key)

    def span_ending_at(self, end: int) -> _Span | None:
        if end == 0 or not self.taken[end - 1]:
            return None
        start = end - 1
        while start > 0 and start not in self.spans:
            start -= 1
        span = self.spans.get(start)
        return span if span is not None and span.end == end else None

    def spans_within(self, start: int, end: int) -> list[_Span] | None:
        """Return the spans inside start:end, or None if one sticks out of it."""
        inside = []
        pos = start
        while pos < end:
            if not self.taken[pos]:
                pos += 1
                continue
            span = self.spans.get(pos)
            if span is None or span.end > end:
                return None
            inside.append(span)
            pos = span.end
        return inside

    # --- rule 1: lexicon aliases, Chinese and Latin -----------------------------------

    def match_lexicon(self) -> None:
        s, cjk, pairs = self.s, self.index.cjk, self.index.pair_lengths
        n = len(s)
        candidates: list[tuple[int, int, str]] = []
        starts = [match.start() for match in self.index.first_chars.finditer(s)]
        # Most first characters (美 of 美元) start no alias's first two: ~200 of the ~300 an
        # article, passed over without a Python-level step each.
        found = list(map(pairs.get, map(s.__getitem__, map(slice, starts, map(_PLUS_2, starts)))))
        singles = self.index.single_chars
        if singles:  # an admin's one-character alias: the shortest, tried last
            found = [
                (f or ()) + ((1,) if s[i] in singles else ())
                for i, f in zip(starts, found, strict=True)
            ]
        for i, lengths in zip(compress(starts, found), filter(None, found), strict=True):
            for length in lengths:
                if i + length <= n:
                    key = cjk.get(s[i : i + length])
                    if key is not None and self.aligned(i, i + length):
                        candidates.append((i, i + length, key))
                        break
        candidates.extend(self._latin_candidates())
        # Longest first: 乌克兰国防联络小组 wins over 乌克兰 inside it.
        candidates.sort(key=lambda c: (c[0] - c[1], c[0]))
        for start, end, key in candidates:
            if self.free(start, end):
                if s[start] == "《" and s[end - 1] == "》":
                    start, end = start + 1, end - 1
                self.place(start, end, key, "lexicon")

    def _latin_candidates(self) -> list[tuple[int, int, str]]:
        s, index = self.s, self.index
        words = [(m.start(), m.end()) for m in LATIN_WORD.finditer(s)]
        found = []
        i = 0
        while i < len(words):
            # one run of words that may form a multi-word name
            j = i + 1
            while j < len(words) and _LATIN_GAP.fullmatch(s[words[j - 1][1] : words[j][0]]):
                j += 1
            for a in range(i, j):
                first = s[words[a][0] : words[a][1]]
                folded = first_folded_word(first)
                if (
                    first not in index.latin_exact_firsts
                    and folded not in index.latin_folded_firsts
                    and folded  # a word that folds to nothing: the next one comes first
                ):
                    continue
                for b in range(min(j, a + index.max_latin_words), a, -1):
                    start, end = words[a][0], words[b - 1][1]
                    parts = tuple(s[x:y] for x, y in words[a:b])
                    key = index.latin_exact.get(parts) or index.latin_folded.get(
                        fold_latin(" ".join(parts))
                    )
                    if key is not None and self._latin_standalone(start, end):
                        found.append((start, end, key))
                        break
            i = j
        return found

    def _latin_standalone(self, start: int, end: int) -> bool:
        # A one-letter name (X, the platform) counts only set apart by spaces, as in
        # "在 X 上发帖"; X光 or a stray letter is not it.
        if end - start > 1:
            return True
        before = self.s[start - 1] if start else " "
        after = self.s[end] if end < len(self.s) else " "
        return before.isspace() and after.isspace()

    # --- rule 2: a Latin name in parentheses after a Chinese name ----------------------

    def match_latin_parentheses(self) -> None:
        s = self.s
        for match in _LATIN_PAREN.finditer(s):
            latin = match.group(1)
            latin_start, latin_end = match.span(1)
            inside = self.spans_within(latin_start, latin_end)
            key = inside[0].key if inside else self.index.resolve_latin(latin)
            name_end = match.start()
            while name_end > 0 and s[name_end - 1] in _CLOSERS:
                name_end -= 1
            before = self.span_ending_at(name_end)
            for title in TRAILING_TITLES:
                if before is None and s.endswith(title, 0, name_end):
                    before = self.span_ending_at(name_end - len(title))
            if before is not None:
                if key is None and self.index.latin_compatible(before.key, latin):
                    key = before.key
                    self.learn(key, self.text[latin_start:latin_end], "latin")
                if key == before.key and self.free(latin_start, latin_end):
                    self.place(latin_start, latin_end, key, "latin")
                continue
            name_start = name_run_before(s, name_end)
            if name_end - name_start >= 2 and self.free(name_start, name_end):
                if key is None:
                    self.unresolved_latin[name_end] = latin
                    continue
                # Only a person's name is sure to be a transliteration run; a place's Chinese
                # name may hold other characters (慕尼黑), and a cut-off run is no alias.
                if self.kind(key) == "person":
                    self.place(name_start, name_end, key, "latin")
                    self.learn(key, self.text[name_start:name_end], "latin")
            if key is not None and self.free(latin_start, latin_end):
                self.place(latin_start, latin_end, key, "latin")

    # --- rule 3: middle-dot full names and titles before a name ------------------------

    def match_middle_dot_names(self) -> None:
        s = self.s
        for match in _NAME_DOT.finditer(s):
            dot = match.start()
            if self.taken[dot]:
                continue
            found = dotted_name_around(s, dot)
            if found is None:
                continue
            start, end = found
            if self.free(start, end):
                self.person_candidate(start, end, "middle_dot")
                continue
            inside = self.spans_within(start, end)
            if not inside or any(self.kind(sp.key) != "person" for sp in inside):
                continue
            if len({sp.key for sp in inside}) == 1 and inside[-1].end == end:
                # 弗拉基米尔·则连斯基 where the lexicon matched 则连斯基: the full name is
                # that person too, and the mention grows to cover it.
                for sp in inside:
                    self.remove(sp)
                self.place(start, end, inside[-1].key, "middle_dot")
                self.learn(inside[-1].key, self.text[start:end], "middle_dot")
            elif all(sp.end <= dot for sp in inside):
                # 布鲁斯·威利斯: a surname alias matched the given name of someone else.
                for sp in inside:
                    self.remove(sp)
                self.person_candidate(start, end, "middle_dot")

    def match_titles(self) -> None:
        s = self.s
        for match in TITLE_PATTERN.finditer(s):
            start = match.end()
            end = name_run_after(s, start)
            if end - start < 2:
                end = self._chinese_name_at(start)
            if end - start < 2 or self.taken[start] or (end < len(s) and s[end] in NAME_DOTS):
                continue
            occupied = self.taken.find(1, start, end)
            if occupied != -1:
                end = occupied
            # (美国总统唐纳德)特朗普: a given name alone is the start of a known full name;
            # 总统强烈(谴责): a common word is the sentence going on.
            name = s[start:end]
            if (
                end - start >= 2
                and name not in GIVEN_NAMES
                and name not in self.index.given_names
                and not is_common_word(name)
            ):
                self.person_candidate(start, end, "title_rule")

    def _chinese_name_at(self, start: int) -> int:
        """Return where a Chinese name after a title ends, or start if there is none.

        代表傅聪表示, 发言人汪文斌指出, 特别代表张汉晖对记者说: the word jieba cut there
        is two or three Han characters, a name jieba knows or no word it knows, starts
        with a common surname and is followed by a speech verb (or 对, to whom it was
        said). Names are not transliterations, so the transliteration run finds none.
        """
        s = self.s
        if start >= len(s) or s[start] not in COMMON_SURNAMES or not self._starts:
            return start
        i = bisect_left(self._starts, start)
        if i == len(self._starts) or self._starts[i] != start:
            return start
        end = self.tokens[i].end
        word = s[start:end]
        if (
            2 <= len(word) <= 3
            and _HAN_ONLY.fullmatch(word)
            and s.startswith((*_SPEECH_VERBS, "对"), end)
            and (not self.tokenizer.in_dictionary(word) or word in chinese_names())
        ):
            return end
        return start

    def person_candidate(self, start: int, end: int, method: str) -> None:
        """Resolve a person's name found by a rule, or make it a new entity; place it."""
        surface = self.s[start:end]
        last = last_name_part(surface)
        key = self.index.cjk.get(surface) or self.index.cjk.get(last)
        if key is not None and self.kind(key) != "person":
            return
        key = key or self.local.get(surface) or self.local.get(last)
        key = key or self.index.resolve_by_sound(last, "person")
        if key is None:
            key = new_entity_key("person", last)
            self.new.setdefault(key, _New(name=self.text[start:end][-len(last) :], kind="person"))
            latin = self.unresolved_latin.get(end) or self._latin_after(end)
            if latin and not self.new[key].latin:
                self.new[key].latin = latin
        self.place(start, end, key, method)
        self.learn(key, self.text[start:end], method)
        self._place_latin_after(end, key)

    def _latin_after(self, end: int) -> str:
        match = _LATIN_PAREN.match(self.s, end)
        return match.group(1) if match else ""

    def _place_latin_after(self, end: int, key: str) -> None:
        match = _LATIN_PAREN.match(self.s, end)
        if match and self.free(*match.span(1)):
            self.place(*match.span(1), key, "latin")

    # --- rule 4: jieba part-of-speech tags, conservatively -----------------------------

    def match_pos(self) -> None:
        s = self.s
        sentences = set()
        tokens = self.tokens
        # most tokens are shorter than 3 characters: passed over without a Python-level step
        lengths = map(operator.sub, map(TOKEN_END, tokens), map(TOKEN_START, tokens))
        organisations = organisation_words()
        for _, start, end in compress(tokens, map(_AT_LEAST_3, lengths)):
            simple = s[start:end]
            if not _HAN_ONLY.fullmatch(simple) or not self.free(start, end):
                continue
            if not self.tokenizer.in_dictionary(simple):
                sentences.add(_sentence_around(s, start))
            elif simple in organisations:
                # an organisation jieba knows as one word, which no alias can cut into
                # (法国外交部, 俄罗斯联邦委员会)
                self.pos_candidate(start, end, "organisation")
        # Only sentences where the cut guessed an unknown word are tagged, and of their
        # words only those jieba's HMM guessed: a dictionary word is never a new name.
        for start, end in sorted(sentences):
            for token in self.tokenizer.hmm_pos(self.text[start:end], min_length=3):
                kind = _POS_KINDS.get(token.pos)
                a, b = start + token.start, start + token.end
                if kind and self.free(a, b) and _plausible_name(s[a:b], kind, self.tokenizer):
                    self.pos_candidate(*self._whole_name(a, b), kind)

    def match_name_runs(self) -> None:
        """Find unknown names jieba cut into fragments (米尔/诺/格勒), told apart by context."""
        s = self.s
        for run in NAME_RUN.finditer(s):
            start, end = self._snap_to_tokens(run.start(), trim_run(s, *run.span()))
            if end - start < 4 or not self.free(start, end):
                continue
            # jieba knows some names as words, tagged by what they name (巴基斯坦 ns) or as
            # transliterations of anything (波尔塔瓦 nrt); a word of another tag is none.
            name = s[start:end]
            tag = dictionary_tags().get(name)  # None for a word jieba does not know
            place = tag is None or tag in PLACE_TAGS
            if s.startswith(_PLACE_CONTEXT, end) and place:
                self.pos_candidate(start, end, "place")
            elif s.startswith(_SPEECH_VERBS, end):
                # 在维尔纽斯说 is said in Vilnius, 维尔纽斯说 said by someone
                if start and s[start - 1] in _LOCATIVES:
                    if place:
                        self.pos_candidate(start, end, "place")
                elif tag is None or tag in PERSON_TAGS:
                    self.pos_candidate(start, end, "person")

    def _snap_to_tokens(self, start: int, end: int) -> tuple[int, int]:
        """Return start:end shrunk to token boundaries (参加 + 米尔… starts after 加)."""
        if not self._starts:
            return start, end
        if not self._boundary_ok(start):
            start = self.tokens[bisect_right(self._starts, start) - 1].end
        if not self._boundary_ok(end):
            end = self.tokens[bisect_right(self._starts, end) - 1].start
        return start, max(start, end)

    def _whole_name(self, start: int, end: int) -> tuple[int, int]:
        """Return start:end widened to the whole free transliteration run around it."""
        # jieba's HMM cuts unknown names anywhere (泽连思 + 基说): the name is the run of
        # transliteration characters, not the word jieba guessed.
        if not all(c in TRANSLITERATION_CHARS for c in self.s[start:end]):
            return start, end
        orig_start, orig_end = start, end
        while (
            start > 0 and self.s[start - 1] in TRANSLITERATION_CHARS and not self.taken[start - 1]
        ):
            start -= 1
        run_end = name_run_after(self.s, start, limit=end - start + 6)
        occupied = self.taken.find(1, end, run_end)
        wide_start, wide_end = self._snap_to_tokens(start, run_end if occupied == -1 else occupied)
        # never narrower than what posseg tagged
        return min(wide_start, orig_start), max(wide_end, orig_end)

    def pos_candidate(self, start: int, end: int, kind: str) -> None:
        surface = self.s[start:end]
        key = self.index.cjk.get(surface)
        if key is not None and self.kind(key) != kind:
            return
        key = key or self.local.get(surface) or self.index.resolve_by_sound(surface, kind)
        if key is None:
            key = new_entity_key(kind, surface)
            self.new.setdefault(key, _New(name=self.text[start:end], kind=kind))
        self.place(start, end, key, "pos")
        self.learn(key, self.text[start:end], "pos")

    # --- rule 5: later mentions of names learnt in this article ------------------------

    def match_coreference(self) -> None:
        s = self.s
        for surface, key in sorted(self.local.items(), key=lambda item: -len(item[0])):
            at = s.find(surface)
            while at != -1:
                end = at + len(surface)
                if self.free(at, end) and self.aligned(at, end):
                    self.place(at, end, key, "coreference")
                at = s.find(surface, end)

    # --- result ------------------------------------------------------------------------

    def extraction(self) -> Extraction:
        text, kind = self.text, self.kind
        mentions = tuple(
            mention_from_tuple(
                (sp.start, sp.end, text[sp.start : sp.end], sp.key, kind(sp.key), sp.method)
            )
            for _, sp in sorted(self.spans.items())
        )
        used = {sp.key for sp in self.spans.values()}
        new_entities = tuple(
            NewEntity(key, new.name, new.kind, new.latin, tuple(new.aliases))
            for key, new in self.new.items()
            if key in used
        )
        new_aliases = tuple(
            NewAlias(key, surface, method) for (key, surface), method in self.new_aliases.items()
        )
        return Extraction(mentions, new_entities, new_aliases)


def _sentence_around(s: str, pos: int) -> tuple[int, int]:
    start = max(s.rfind(c, 0, pos) for c in _SENTENCE_END) + 1
    ends = [i for i in (s.find(c, pos) for c in _SENTENCE_END) if i != -1]
    return start, (min(ends) + 1 if ends else len(s))


def _plausible_name(surface: str, kind: str, tokenizer: Tokenizer) -> bool:
    """Return whether a POS-tagged word is worth an entity: jieba tags much in error."""
    if len(surface) < 3 or not _HAN_ONLY.fullmatch(surface) or tokenizer.in_dictionary(surface):
        return False
    foreign = all(c in TRANSLITERATION_CHARS for c in surface)
    if kind == "person":
        return foreign
    if kind == "place":
        return foreign or surface.endswith(_PLACE_ENDINGS)
    return len(surface) >= 4 and surface.endswith(ORGANISATION_ENDINGS)
