"""Inter-annotator agreement: span F1 (exact and overlapping) and Cohen's kappa.

Kappa is computed over characters: for one label, each character of the article is
"inside a span of this label" or not, for each annotator. That is chance-corrected and
needs no matching of spans; the F1 scores say how often the same spans were drawn.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

Span = tuple[int, int]


@dataclass(frozen=True, slots=True)
class PairScores:
    label: str
    spans_a: int
    spans_b: int
    exact_f1: float | None
    overlap_f1: float | None
    kappa: float | None


def _f1(matches: int, a: int, b: int) -> float | None:
    return None if a + b == 0 else 2 * matches / (a + b)


def exact_f1(a: Sequence[Span], b: Sequence[Span]) -> float | None:
    """Return the F1 of two annotators' spans counting only identical offsets as a match."""
    return _f1(len(set(a) & set(b)), len(set(a)), len(set(b)))


def overlap_f1(a: Sequence[Span], b: Sequence[Span]) -> float | None:
    """Return the F1 counting overlapping spans as a match (each span matched at most once)."""
    unmatched = sorted(set(b))
    matches = 0
    for start, end in sorted(set(a)):
        for index, (other_start, other_end) in enumerate(unmatched):
            if start < other_end and other_start < end:
                matches += 1
                del unmatched[index]
                break
    return _f1(matches, len(set(a)), len(set(b)))


def _covered(spans: Iterable[Span], length: int) -> set[int]:
    return {i for start, end in spans for i in range(max(0, start), min(end, length))}


def cohen_kappa(a: Sequence[Span], b: Sequence[Span], length: int) -> float | None:
    """Return Cohen's kappa over the characters of a text of this length (None if undefined)."""
    if length <= 0:
        return None
    in_a, in_b = _covered(a, length), _covered(b, length)
    both = len(in_a & in_b)
    neither = length - len(in_a | in_b)
    observed = (both + neither) / length
    p_a, p_b = len(in_a) / length, len(in_b) / length
    expected = p_a * p_b + (1 - p_a) * (1 - p_b)
    if expected == 1:
        return None  # both marked everything or nothing: agreement by construction
    return (observed - expected) / (1 - expected)


def pair_scores(label: str, a: Sequence[Span], b: Sequence[Span], length: int) -> PairScores:
    """Return every score for one label and one pair of annotators."""
    return PairScores(
        label=label,
        spans_a=len(set(a)),
        spans_b=len(set(b)),
        exact_f1=exact_f1(a, b),
        overlap_f1=overlap_f1(a, b),
        kappa=cohen_kappa(a, b, length),
    )


def article_pairs(article, annotations) -> list[dict]:
    """Return per pair of annotators, per label, the scores for one article.

    annotations: the article's live annotations (with label and annotator loaded).
    """
    by_user: dict = {}
    labels: dict[int, str] = {}
    for annotation in annotations:
        by_user.setdefault(annotation.annotator, {}).setdefault(annotation.label_id, []).append(
            (annotation.start, annotation.end)
        )
        labels[annotation.label_id] = annotation.label.name
    users = sorted(by_user, key=lambda u: u.username)
    length = len(article.body)
    pairs = []
    for i, first in enumerate(users):
        for second in users[i + 1 :]:
            scores = [
                pair_scores(
                    labels[label_id],
                    by_user[first].get(label_id, []),
                    by_user[second].get(label_id, []),
                    length,
                )
                for label_id in sorted(labels, key=lambda k: labels[k])
            ]
            pairs.append({"a": first, "b": second, "scores": scores})
    return pairs


def differences(annotations, a, b) -> list[dict]:
    """Return each (label, span) with who drew it: 'both', 'a' or 'b', in text order."""
    drawn: dict[tuple, dict] = {}
    for annotation in annotations:
        if annotation.annotator_id not in (a.pk, b.pk):
            continue
        key = (annotation.start, annotation.end, annotation.label_id)
        entry = drawn.setdefault(
            key,
            {
                "start": annotation.start,
                "end": annotation.end,
                "text": annotation.text,
                "label": annotation.label.name,
                "who": set(),
            },
        )
        entry["who"].add("a" if annotation.annotator_id == a.pk else "b")
    rows = sorted(drawn.values(), key=lambda r: (r["start"], r["end"], r["label"]))
    for row in rows:
        row["who"] = "both" if len(row["who"]) == 2 else next(iter(row["who"]))
    return rows
