"""Paxos's inductive invariant: proved as written, and every conjunct of the message invariant
is needed (dropping one leaves a counterexample to induction for Agreement)."""

import shutil

import pytest

import pyspec
from pyspec import Verdict

CORE = open("specs/paxos_core.spec").read()


def _lines(def_name: str) -> list[str]:
    body = CORE[CORE.index(f"def {def_name}(") :].split("\n\n")[0].split("\n")[1:]
    assert len(body) >= 2, def_name
    return body


MESSAGE_CONJUNCTS = [(name, line) for name in ("Msg1bOk", "Msg2aOk", "Msg2bOk") for line in _lines(name)]


def test_inductive_invariant_is_proved():
    spec = pyspec.load("specs/paxos.spec")
    assert pyspec.prove(spec, "Inv").verdict is Verdict.PROVED
    assert pyspec.prove(spec, "Agreement", aux=("Inv",)).verdict is Verdict.PROVED


def test_agreement_alone_is_not_inductive():
    spec = pyspec.load("specs/paxos.spec")
    pr = pyspec.prove(spec, "Agreement")
    assert pr.verdict is Verdict.NOT_INDUCTIVE
    assert pr.exit_code == 4


@pytest.mark.parametrize("name, line", MESSAGE_CONJUNCTS, ids=[f"{n}:{l.strip()[:40]}" for n, l in MESSAGE_CONJUNCTS])
def test_dropping_a_message_conjunct_gives_a_counterexample_to_induction(tmp_path, name, line):
    (tmp_path / "paxos_core.spec").write_text(CORE.replace(line + "\n", "", 1))
    shutil.copy("specs/paxos.spec", tmp_path)
    spec = pyspec.load(str(tmp_path / "paxos.spec"))
    pr = pyspec.prove(spec, "Agreement", aux=("Inv",))
    assert pr.verdict is Verdict.NOT_INDUCTIVE, f"without '{line.strip()}' the proof still goes through"
