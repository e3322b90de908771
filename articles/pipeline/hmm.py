"""jieba's two hidden Markov models, computed faster with exactly jieba's results.

jieba guesses words its dictionary lacks with an HMM over four states (B, M, E, S: begin,
middle, end of a word, single), run on each run of characters its dictionary route leaves
single (jieba.finalseg). jieba.posseg does the same over 256 (position, tag) states to tag
those words. Both are pure Python in jieba; here the first is unrolled for its four states
and the second vectorised by numpy, with the same sums in the same order and the same
tie-breaking (the greatest state wins a tie, as Python's max over (probability, state)
pairs does), from jieba's own model files.

The entity rules only ever use part-of-speech tags of words that are not in the
dictionary: a dictionary word is a known word, never a new name. So only the words
posseg's HMM guesses are computed (hmm_words), which also spares each process the tag
table of every dictionary word that importing jieba.posseg reads (~45 MB).
"""

from __future__ import annotations

import pickle
import re
from collections.abc import Callable, Iterator
from functools import cache
from importlib.resources import files

import numpy as np
from jieba import finalseg

# jieba.posseg's regular expressions (jieba 0.42.1), for its blocks and runs.
_POS_BLOCK = re.compile(r"[\u4E00-\u9FD5a-zA-Z0-9+#&\._]+")
_HAN_RUN = re.compile(r"[\u4E00-\u9FD5]+")
_MIN_FLOAT = -3.14e100  # jieba's emission probability of an unseen character
# Characters whose states and emissions the POS model keeps at a time (~2.3 kB each);
# the unknown words it tags are mostly names, written with a few hundred characters.
CHARACTER_MEMORY = 4096


def _bmes_tables() -> tuple:
    start, trans, emit = finalseg.start_P, finalseg.trans_P, finalseg.emit_P
    return (
        tuple(start[s] for s in "BMES"),
        tuple(emit[s] for s in "BMES"),
        # the two ways into each state (finalseg.PrevStatus) with their log-probabilities
        (trans["E"]["B"], trans["S"]["B"]),  # into B: from E, from S
        (trans["B"]["M"], trans["M"]["M"]),  # into M: from B, from M
        (trans["B"]["E"], trans["M"]["E"]),  # into E: from B, from M
        (trans["E"]["S"], trans["S"]["S"]),  # into S: from E, from S
    )


def hmm_cut(run: str) -> list[str]:
    """Return the words jieba.finalseg's HMM cuts a run of Han characters into."""
    (sb, sm, se, ss), (eb, em, ee, es), (eb_, sb_), (bm, mm), (be, me), (es_, ss_) = _bmes()
    first = run[0]
    b = sb + eb.get(first, _MIN_FLOAT)
    m = sm + em.get(first, _MIN_FLOAT)
    e = se + ee.get(first, _MIN_FLOAT)
    s = ss + es.get(first, _MIN_FLOAT)
    back = []
    for char in run[1:]:
        # (previous + transition) + emission, as jieba sums; on a tie the greater state
        # letter wins (B < E < M < S), as in jieba's max over (probability, state)
        x = eb.get(char, _MIN_FLOAT)
        from_e, from_s = e + eb_ + x, s + sb_ + x
        nb, pb = (from_s, "S") if from_s >= from_e else (from_e, "E")
        x = em.get(char, _MIN_FLOAT)
        from_b, from_m = b + bm + x, m + mm + x
        nm, pm = (from_m, "M") if from_m >= from_b else (from_b, "B")
        x = ee.get(char, _MIN_FLOAT)
        from_b, from_m = b + be + x, m + me + x
        ne, pe = (from_m, "M") if from_m >= from_b else (from_b, "B")
        x = es.get(char, _MIN_FLOAT)
        from_e, from_s = e + es_ + x, s + ss_ + x
        ns, ps = (from_s, "S") if from_s >= from_e else (from_e, "E")
        back.append({"B": pb, "M": pm, "E": pe, "S": ps})
        b, m, e, s = nb, nm, ne, ns
    state = "S" if s >= e else "E"
    states = [state]
    for pointers in reversed(back):
        state = pointers[state]
        states.append(state)
    states.reverse()
    words = []
    begin = after = 0
    for i, state in enumerate(states):
        if state == "B":
            begin = i
        elif state == "E":
            words.append(run[begin : i + 1])
            after = i + 1
        elif state == "S":
            words.append(run[i])
            after = i + 1
    if after < len(run):
        words.append(run[after:])
    return words


class _Model:
    """jieba.posseg's HMM as arrays; states are numbered greatest first."""

    def __init__(self) -> None:
        tables = {
            name: pickle.loads((files("jieba") / "posseg" / f"{name}.p").read_bytes())  # noqa: S301 - jieba's own model
            for name in ("char_state_tab", "prob_start", "prob_trans", "prob_emit")
        }
        trans = tables["prob_trans"]
        # Numbered in descending order: np.argmax returns the first of equal maxima,
        # which is then the greatest state, as in jieba.
        self.states = sorted(trans, reverse=True)
        number = {state: i for i, state in enumerate(self.states)}
        n = len(self.states)
        self.trans = np.full((n, n), -np.inf)
        self.follows = np.zeros((n, n), dtype=bool)  # follows[x, y]: trans has x -> y
        for x, targets in trans.items():
            for y, p in targets.items():
                self.trans[number[x], number[y]] = p
                self.follows[number[x], number[y]] = True
        self.has_next = self.follows.any(axis=1)
        self.start = np.array([tables["prob_start"][s] for s in self.states])
        self.emit = [tables["prob_emit"][s] for s in self.states]
        self.all_states = np.arange(n)
        self._number = number
        self._state_table = tables["char_state_tab"]
        # char -> its state numbers, made on first sight: an article's unknown words use a
        # few hundred of the table's ~6,600 characters (making all took ~0.07 s a worker)
        self._char_states: dict[str, np.ndarray] = {}
        # Per character, what each step of viterbi() needs of it, made on first sight:
        # char -> (which states it may take, as a mask; its emission in every state).
        self._seen: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def char_states(self, char: str) -> np.ndarray:
        """Return the state numbers a character may take (all states if unknown)."""
        found = self._char_states.get(char)
        if found is None:
            states = self._state_table.get(char)
            if states is None:
                return self.all_states
            found = np.array(sorted(self._number[s] for s in states))
            self._char_states[char] = found
        return found

    def emissions(self, char: str, states: np.ndarray) -> np.ndarray:
        return self._character(char)[1][states]

    def _character(self, char: str) -> tuple[np.ndarray, np.ndarray]:
        found = self._seen.get(char)
        if found is None:
            if len(self._seen) >= CHARACTER_MEMORY:
                self._seen.clear()
            mask = np.zeros(len(self.states), dtype=bool)
            mask[self.char_states(char)] = True
            # the 256 emissions looked up once (~30 µs), where each step took those of
            # its states from the model's dictionaries again
            emissions = np.array([emit.get(char, _MIN_FLOAT) for emit in self.emit])
            found = self._seen[char] = mask, emissions
        return found

    def viterbi(self, text: str) -> list[int]:
        """Return the best state number of each character (jieba.posseg.viterbi's route)."""
        n = len(self.states)
        alive = self.char_states(text[0])
        score = np.full(n, -np.inf)
        score[alive] = self.start[alive] + self.emissions(text[0], alive)
        back: list[np.ndarray] = []
        for char in text[1:]:
            prev = alive[self.has_next[alive]]
            expected = self.follows[prev].any(axis=0)
            possible, emissions = self._character(char)
            mask = possible & expected
            if mask.any():
                states = np.flatnonzero(mask)
            elif expected.any():
                states = np.flatnonzero(expected)
            else:
                states = self.all_states
            # (score + transition) + emission: the order of jieba's sum, so the same floats
            candidates = score[prev][:, None] + self.trans[np.ix_(prev, states)]
            best = candidates.argmax(axis=0)
            new = np.full(n, -np.inf)
            new[states] = candidates[best, np.arange(len(states))] + emissions[states]
            pointer = np.zeros(n, dtype=np.intp)
            pointer[states] = prev[best]
            back.append(pointer)
            score, alive = new, states
        state = int(alive[score[alive].argmax()])
        route = [state]
        for pointer in reversed(back):
            state = int(pointer[state])
            route.append(state)
        route.reverse()
        return route

    def words(self, run: str) -> Iterator[tuple[int, int, str]]:
        """Yield (start, end, tag) of the words jieba.posseg's HMM cuts a Han run into."""
        route = [self.states[s] for s in self.viterbi(run)]
        begin = after = 0
        for i, (position, tag) in enumerate(route):
            if position == "B":
                begin = i
            elif position == "E":
                yield begin, i + 1, tag
                after = i + 1
            elif position == "S":
                yield i, i + 1, tag
                after = i + 1
        if after < len(run):
            yield after, len(run), route[after][1]


@cache
def _model() -> _Model:
    return _Model()


@cache
def _bmes() -> tuple:
    return _bmes_tables()


def hmm_words(
    text: str,
    route: Callable[[str], list[int]],
    in_dictionary: Callable[[str], bool],
    *,
    min_length: int = 1,
) -> Iterator[tuple[int, int, str]]:
    """Yield (start, end, tag) of each word jieba.posseg's HMM would tag in text.

    text is simplified; route(block) returns, for each position of a block, the end of
    the dictionary word starting there on jieba's best route (Tokenizer.calc). These
    are exactly the words of POSTokenizer.cut(text) not taken from the dictionary, less
    those of Han runs shorter than min_length.
    """
    model = _model()
    for block in _POS_BLOCK.finditer(text):
        blk, base = block.group(), block.start()
        if len(blk) < min_length:
            continue
        ends = route(blk)
        x, run_start = 0, None
        while x <= len(blk):
            end = ends[x] if x < len(blk) else None
            if end is not None and end - x == 1:
                if run_start is None:
                    run_start = x
                x = end
                continue
            if run_start is not None:
                run = blk[run_start:x]
                # A run of one character, or one the dictionary knows, is tagged from the
                # tag table, character by character: never a new word.
                if len(run) > 1 and len(run) >= min_length and not in_dictionary(run):
                    for han in _HAN_RUN.finditer(run):
                        if len(han.group()) < min_length:
                            continue
                        offset = base + run_start + han.start()
                        for a, b, tag in model.words(han.group()):
                            yield offset + a, offset + b, tag
                run_start = None
            if end is None:
                break
            x = end
