"""tracecheck reads a logged JSON array as a sequence and a map to counts as a bag
(tracecheck/convert.py), and refuses values that do not fit, saying why."""

from __future__ import annotations

import pytest

from pyspec.types import BagT, EnumT, IntT, SeqT
from tracecheck.convert import converter


def test_a_json_array_is_a_sequence_in_its_order():
    c = converter(SeqT(IntT(0, 3), 3))
    assert c([2, 0, 2]) == (2, 0, 2) and c([]) == () and c("[1, 2]") == (1, 2)


@pytest.mark.parametrize("value, words", [
    ([1, 2, 3, 0], "longer than its capacity 3"),
    ({"a": 1}, "is not a list"),
    ([7], "7 is outside 0 .. 3"),
])
def test_a_value_that_is_no_sequence_of_the_type_is_refused(value, words):
    with pytest.raises(ValueError, match=words):
        converter(SeqT(IntT(0, 3), 3))(value)


def test_a_map_to_counts_is_a_bag():
    c = converter(BagT(EnumT(("ping", "pong")), 2))
    want = frozenset({("ping", 2)})
    assert c({"ping": 2, "pong": 0}) == want and c([["ping", 2]]) == want and c({}) == frozenset()


@pytest.mark.parametrize("value, words", [
    ({"ping": 3}, "not within 0 .. 2"),
    ([["ping", 1], ["ping", 2]], "more than 2 times"),
    (["ping"], "map to counts"),
    ({"pang": 1}, "is not one of"),
])
def test_a_value_that_is_no_bag_of_the_type_is_refused(value, words):
    with pytest.raises(ValueError, match=words):
        converter(BagT(EnumT(("ping", "pong")), 2))(value)
