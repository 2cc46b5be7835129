"""tracecheck for logs nobody here designed, the engines half: `--engine auto` (the
default) moves to Z3 when the explicit frontier passes its bound and says so, on a names-only
log of a lock server with 12 clients; `--engine z3` honours `--time-limit` while it builds the
encoding."""

from __future__ import annotations

import sys
from pathlib import Path

import tracecheck
from pyspec.result import Verdict

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from cli_helpers import run_cli  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "examples" / "tracecheck" / "lock_server"
sys.path.insert(0, str(LOCK))

import lock_logs  # noqa: E402

MAPPING = LOCK / "lock_server.toml"


def test_auto_gives_a_verdict_on_a_names_only_log_of_12_clients(tmp_path):
    log = lock_logs.generate(str(tmp_path / "lock.jsonl"), records=40, clients=12, seed=1)
    p = run_cli("tracecheck", "validate", "-m", MAPPING, log)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "CONFORMS: all 40 records explained by LockServer" in p.stdout
    assert "engine auto: the explicit frontier passed 10,000 states at record" in p.stdout
    assert "Z3 checked the log from the first record" in p.stdout


def test_auto_finds_the_divergence_after_switching(tmp_path):
    log = lock_logs.generate(str(tmp_path / "lock.jsonl"), records=40, clients=12, seed=1, diverge=True)
    r = tracecheck.validate(MAPPING, [log])
    assert r.verdict is Verdict.DIVERGES and r.divergence.record.index == 40
    assert r.engine == "z3" and "passed 10,000 states" in r.stats["switched"]
    # with hidden steps, the model's state and states a hidden step from it, each with its reason
    reasons = [why for c in r.divergence.explained for why in c.reasons]
    assert reasons and all(why.kind == "require" and why.clause == "holder == c" for why in reasons)


def test_explicit_alone_stops_at_its_bound_on_the_same_log(tmp_path):
    log = lock_logs.generate(str(tmp_path / "lock.jsonl"), records=40, clients=12, seed=1)
    r = tracecheck.validate(MAPPING, [log], engine="explicit", max_frontier=10_000)
    assert r.verdict is Verdict.INCOMPLETE and "exceed --max-frontier 10,000" in r.reason


def test_auto_stays_explicit_while_the_frontier_is_small(tmp_path):
    log = lock_logs.generate(str(tmp_path / "lock.jsonl"), records=40, clients=3, seed=1)
    r = tracecheck.validate(MAPPING, [log], params={"NC": "3"})
    assert r.verdict is Verdict.CONFORMS and r.engine == "explicit" and "switched" not in r.stats


def test_auto_with_invariants_stays_explicit(tmp_path):
    log = lock_logs.generate(str(tmp_path / "lock.jsonl"), records=12, clients=12, seed=1)
    r = tracecheck.validate(MAPPING, [log], invariants=["HolderAsked"], z3_after=5)
    assert r.engine == "explicit" and r.verdict is Verdict.CONFORMS


def test_z3_time_limit_holds_while_the_encoding_is_built(tmp_path):
    """A one-record log of SysPaxos with wide params: building the Z3 encoding alone takes
    minutes; with --time-limit 1 the run must stop INCOMPLETE, never CONFORMS after it."""
    (tmp_path / "m.toml").write_text(f"""\
[spec]
file = "{ROOT / 'specs' / 'sys_paxos.spec'}"
params = {{ NA = 5, MaxBallot = 5, NV = 3 }}
[fields]
b = "Ballot"
[[rule]]
when = {{ event = "p1a" }}
action = "Phase1a"
args = {{ b = "b" }}
""")
    (tmp_path / "log.jsonl").write_text('{"event": "p1a", "b": 0}\n')
    p = run_cli("tracecheck", "validate", "-m", tmp_path / "m.toml", tmp_path / "log.jsonl", "--engine", "z3",
                "--time-limit", "1")
    assert p.returncode == 3, p.stdout + p.stderr
    assert "INCOMPLETE: time limit of 1 s reached" in p.stdout and "CONFORMS" not in p.stdout


def test_unknown_engine_lists_auto():
    import pytest
    from pyspec.errors import UsageError

    with pytest.raises(UsageError) as e:
        tracecheck.validate(MAPPING, ["x.jsonl"], engine="smt")
    assert e.value.code == "TC304" and "auto" in e.value.hint
