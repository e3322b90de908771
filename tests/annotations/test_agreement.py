"""Agreement scores against examples worked out by hand."""

import pytest

from annotations.agreement import cohen_kappa, exact_f1, overlap_f1, pair_scores


def test_kappa_matches_a_hand_computed_example():
    # A 10-character text. A marks 0-4 (5 chars), B marks 2-6 (5 chars).
    # both: 2,3,4 -> 3; neither: 7,8,9 -> 3; observed = 6/10 = 0.6
    # pA = pB = 0.5; expected = 0.25 + 0.25 = 0.5; kappa = (0.6 - 0.5) / 0.5 = 0.2
    assert cohen_kappa([(0, 5)], [(2, 7)], 10) == pytest.approx(0.2)


def test_kappa_is_one_for_identical_and_negative_for_opposite_marks():
    assert cohen_kappa([(0, 3), (5, 8)], [(0, 3), (5, 8)], 10) == pytest.approx(1.0)
    # A marks 0-4, B marks 5-9: observed 0, expected 0.5 -> kappa -1
    assert cohen_kappa([(0, 5)], [(5, 10)], 10) == pytest.approx(-1.0)


def test_kappa_is_undefined_when_nobody_marked_anything():
    assert cohen_kappa([], [], 10) is None


def test_exact_and_overlap_f1_by_hand():
    a = [(0, 5), (10, 15), (20, 25)]
    b = [(0, 5), (11, 15), (30, 35), (40, 45)]
    # exact: 1 match -> 2*1/(3+4) = 0.2857
    assert exact_f1(a, b) == pytest.approx(2 / 7)
    # overlap: (0,5)~(0,5), (10,15)~(11,15) -> 2 matches -> 4/7
    assert overlap_f1(a, b) == pytest.approx(4 / 7)


def test_one_span_cannot_match_twice():
    assert overlap_f1([(0, 10)], [(0, 3), (5, 8)]) == pytest.approx(2 / 3)


def test_pair_scores_bundle():
    scores = pair_scores("Claim", [(0, 5)], [(2, 7)], 10)
    assert (scores.spans_a, scores.spans_b, scores.exact_f1) == (1, 1, 0.0)
    assert scores.overlap_f1 == 1.0 and scores.kappa == pytest.approx(0.2)
