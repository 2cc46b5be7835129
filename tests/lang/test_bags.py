"""Bags `bag[T, K]`: bag(), add, remove, count, `in`, `+` and iteration over the distinct
elements, lowered to the builtin rows of `ops.FNS`; the same errors in every engine; misuse
refused with codes; printed as bag({x: n}) and written to ITF as a map to counts."""

from __future__ import annotations

import pytest

import pyspec
from pyspec.errors import SpecErrors, SpecEvalError
from pyspec.lang.types import BagT, EnumT, IntT, domain, format_value, from_itf, to_itf
from pyspec.result import Verdict

NET = '''\
spec Net
# a network where one message may be in flight twice: a bag of messages
type Msg = {"ping", "pong"}
var net: bag[Msg, 2]
var got: 0 .. 3

init:
    net = bag()
    got = 0

action Send(m: Msg):
    require count(net, m) < 2
    net' = add(net, m)

action Deliver(m: Msg):
    require m in net and got < 3
    net' = remove(net, m)
    got' = got + 1

invariant Bounded: all(count(net, m) <= 2 for m in net)
invariant FewPings: count(net, "ping") + got < LIMIT
'''


@pytest.mark.parametrize("limit, verdict, states, length", [
    (6, Verdict.HOLDS, 36, None),
    (3, Verdict.VIOLATED, 14, 4),
])
def test_a_bag_network_checks_alike_in_both_engines(limit, verdict, states, length):
    spec = pyspec.loads(NET.replace("LIMIT", str(limit)))
    explicit = pyspec.check(spec)
    assert (explicit.verdict, explicit.stats["states"]) == (verdict, states)
    bmc = pyspec.bmc(spec, 6)
    if verdict == Verdict.HOLDS:
        assert bmc.verdict == Verdict.NO_VIOLATION_UP_TO
    else:
        assert bmc.verdict == verdict and explicit.trace is not None and bmc.trace is not None
        assert len(explicit.trace) == len(bmc.trace) == length


def _outcome(src: str, engine: str):
    spec = pyspec.loads(src)
    try:
        r = pyspec.check(spec) if engine == "explicit" else pyspec.bmc(spec, 2)
        return r.verdict
    except SpecEvalError as e:
        return (e.code, e.message)


@pytest.mark.parametrize("stmt, message", [
    ("net' = remove(net, \"pong\")", 'remove(): "pong" is not in the bag bag({"ping": 1}) (in Go())'),
    ("net' = add(add(net, \"ping\"), \"ping\")",
     "net' would be bag({\"ping\": 3}), outside its type bag[{\"ping\", \"pong\"}, 2] (in Go())"),
])
def test_a_bag_error_is_the_same_in_every_engine(stmt, message):
    src = ('spec E\nvar net: bag[{"ping", "pong"}, 2]\ninit:\n    net = add(bag(), "ping")\n'
           "action Go():\n    " + stmt + "\n")
    assert _outcome(src, "explicit") == _outcome(src, "bmc") == ("PS401", message)


@pytest.mark.parametrize("stmt, code, words", [
    ("b' = add(s, 1)", "PS337", "the first argument of add() must be a bag, found set[0 .. 3]"),
    ("b' = b + s", "PS337", "the right side of '+' must be a bag"),
    ("b' = add(b, \"x\")", "PS317", "cannot be an element of bag[0 .. 3, 2]"),
    ("b' = bag(1)", "PS329", "bag() takes 0 argument(s)"),
])
def test_bag_misuse_is_refused_with_a_code(stmt, code, words):
    src = ("spec M\nvar b: bag[0 .. 3, 2]\nvar s: set[0 .. 3]\ninit:\n    b = bag()\n    s = {}\n"
           "action A():\n    " + stmt + "\n")
    with pytest.raises(SpecErrors) as info:
        pyspec.loads(src)
    (e,) = info.value.errors
    assert e.code == code and words in e.message, (e.code, e.message)


def test_a_bag_of_an_unbounded_type_is_ps335():
    with pytest.raises(SpecErrors) as info:
        pyspec.loads("spec M\nvar b: bag[int, 2]\ninit:\n    b = bag()\n")
    assert info.value.errors[0].code == "PS335"


def test_a_bag_prints_and_writes_itf_as_a_map_to_counts():
    t = BagT(EnumT(("a", "b")), 2)
    v = frozenset({("b", 1), ("a", 2)})
    assert format_value(t, v) == 'bag({"a": 2, "b": 1})' and format_value(t, frozenset()) == "bag()"
    assert to_itf(t, v) == {"#map": [["a", 2], ["b", 1]]} and from_itf(t, to_itf(t, v)) == v
    assert len(domain(BagT(IntT(0, 1), 2))) == 9 and t.show() == 'bag[{"a", "b"}, 2]'


def test_a_set_of_bags_checks_alike_in_both_engines():
    src = ("spec SB\nvar b: bag[0 .. 1, 1]\nvar s: set[bag[0 .. 1, 1]]\ninit:\n    b = bag()\n    s = {}\n"
           "action A(x: 0 .. 1):\n    require x not in b\n    b' = add(b, x)\n    s' = s | {b}\n"
           "invariant I: len(s) < 2\n")
    spec = pyspec.loads(src)
    explicit, bmc = pyspec.check(spec), pyspec.bmc(spec, 3)
    assert explicit.verdict == bmc.verdict == Verdict.VIOLATED
    assert explicit.trace is not None and bmc.trace is not None
    # both shortest; which of the equally short ones Z3 gives depends on what it was asked before
    assert len(explicit.trace.steps) == len(bmc.trace.steps)
