import pytest

from assistant.context.retrieval import rrf_fuse

pytestmark = pytest.mark.unit


def test_rrf_adds_reciprocal_ranks():
    fused = dict(rrf_fuse([["a", "b", "c"], ["c", "a"]], k=60))
    assert fused["a"] == pytest.approx(1 / 61 + 1 / 62)
    assert fused["c"] == pytest.approx(1 / 63 + 1 / 61)
    assert fused["b"] == pytest.approx(1 / 62)


def test_rrf_orders_best_first_and_breaks_ties_by_id():
    ranked = [cid for cid, _ in rrf_fuse([["x", "y"], ["y", "x"]], k=10)]
    assert ranked == ["x", "y"]
    assert [cid for cid, _ in rrf_fuse([["a"], ["b", "a"]], k=1)][0] == "a"
