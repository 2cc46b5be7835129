"""No flag is silently ignored: every option of every `pyspec` command either reaches the engine
that the command runs (and changes what it does) or is refused with a coded UsageError.

The tables below list every option argparse accepts; a new option fails
`test_every_flag_is_accounted_for` until it is given a route to its engine or a refusal."""

from __future__ import annotations

import argparse
import io
import json
from contextlib import redirect_stderr, redirect_stdout

import pytest

from pyspec import api
from pyspec.cli import _build_parser, main

# Two-phase commit whose coordinator may give up: deadlocks at depth 3, violates NotAllPrepared
# at depth 2, keeps Consistent, and reaches Committed.
SPEC = '''spec TwoPhase
param N: int = 2
type RM = 0 .. N - 1

var rm: map[RM, {"working", "prepared", "committed"}]
var tm: {"init", "committed", "gone"}
var prepared: set[RM]

init:
    rm = {r: "working" for r in RM}
    tm = "init"
    prepared = {}

action Prepare(r: RM):
    require rm[r] == "working"
    rm'[r] = "prepared"
    prepared' = prepared | {r}

action Decide():
    require tm == "init" and all(r in prepared for r in RM)
    tm' = "committed"

action GiveUp():
    require tm == "init"
    tm' = "gone"

action Commit(r: RM):
    require tm == "committed" and rm[r] == "prepared"
    rm'[r] = "committed"

invariant Consistent: tm != "gone" or all(rm[r] != "committed" for r in RM)
invariant NotAllPrepared: not all(rm[r] == "prepared" for r in RM)
reachable Committed: tm == "committed"
'''

SYNTH = '''spec Pick
var x: 0 .. 3
unknown step: map[0 .. 3, 0 .. 3]
init:
    x = 0
action Go():
    x' = step[x]
invariant NotThree: x != 3
'''

# Options the CLI itself acts on, for every command that has them: output, params, pages and
# the engine are pinned by the effect tests below, suite's --only too; --progress by
# tests/test_progress_and_stop_signals.py, view's --output by tests/report/test_timeline.py and -I (the include
# path) by tests/lang/test_include.py; check's --symmetry TYPE (a declaration the loader adds, for every
# engine) by tests/explicit/test_symmetry.py; --cluster ADDRESS (which needs a Dask cluster running) by
# tests/explicit/test_cluster.py.
CLI_OWN = {"--help", "--json", "-D", "-I", "--html", "--progress", "--engine", "--output", "--only", "--symmetry",
           "--cluster"}

# option -> (the arguments that give it, the keyword of the api function it must reach, the value)
ROUTED = {
    "--invariant": (["--invariant", "Consistent"], "invariants", ("Consistent",)),
    "--max-states": (["--max-states", "7"], "max_states", 7),
    "--time-limit": (["--time-limit", "100"], "time_limit", 100.0),
    "--max-memory": (["--max-memory", "5000"], "max_memory", 5000.0),
    "--depth": (["--depth", "4"], "depth", 4),
    "--timeout": (["--timeout", "9"], "timeout", 9.0),
    "--deadlock": (["--deadlock"], "deadlock", True),
    "--witness": (["--witness", "Committed"], "reachables", ("Committed",)),
    "--runs": (["--runs", "3"], "runs", 3),
    "--steps": (["--steps", "4"], "steps", 4),
    "--seed": (["--seed", "5"], "seed", 5),
    "--with": (["--with", "NotAllPrepared"], "aux", ("NotAllPrepared",)),
    "--k": (["--k", "2"], "k", 2),
    "--workers": (["--workers", "2"], "workers", 2),
    "--fingerprint": (["--fingerprint"], "fingerprint", True),
    "--no-symmetry": (["--no-symmetry"], "symmetry", False),
    "--backend": (["--backend", "c"], "backend", "c"),
}

# (command, engine) -> the api function it runs, the arguments it always needs, the options it reads
ROUTES = {
    ("check", "explicit"): ("check", [], {"--invariant", "--max-states", "--time-limit", "--max-memory", "--deadlock",
                                         "--witness", "--workers", "--fingerprint", "--no-symmetry", "--backend"}),
    ("check", "bmc"): ("bmc", ["--engine", "bmc", "--depth", "3"],
                       {"--invariant", "--time-limit", "--max-memory", "--depth", "--timeout", "--deadlock", "--witness"}),
    ("simulate", None): ("simulate", [], {"--invariant", "--runs", "--steps", "--seed", "--deadlock", "--time-limit",
                                          "--max-memory"}),
    ("prove", None): ("prove", ["--invariant", "Consistent"], {"--invariant", "--with", "--k", "--timeout",
                                                               "--time-limit", "--max-memory"}),
    ("synth", None): ("synth", ["--depth", "2"], {"--invariant", "--depth", "--timeout", "--time-limit", "--max-memory"}),
}

# (command, engine, option) -> the code it is refused with
REFUSED = {
    ("check", "explicit", "--depth"): "PS615",
    ("check", "explicit", "--timeout"): "PS630",
    ("check", "bmc", "--max-states"): "PS630",
    ("check", "bmc", "--workers"): "PS630",
    ("check", "bmc", "--fingerprint"): "PS630",
    ("check", "bmc", "--no-symmetry"): "PS630",
    ("check", "bmc", "--backend"): "PS652",
}


def _options(command: str) -> set[str]:
    """The options of `pyspec COMMAND`, each by its first long spelling."""
    parser = _build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {next((o for o in a.option_strings if o.startswith("--")), a.option_strings[0])
            for a in sub.choices[command]._actions if a.option_strings}


def _run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        rc = main(argv)
    return rc, out.getvalue(), err.getvalue()


@pytest.fixture
def files(tmp_path):
    (tmp_path / "tpc.spec").write_text(SPEC)
    (tmp_path / "pick.spec").write_text(SYNTH)
    return tmp_path


def _spec_for(command: str, d) -> str:
    return str(d / ("pick.spec" if command == "synth" else "tpc.spec"))


# --temporal reaches the liveness engines, not the safety ones: pinned by
# test_temporal_names_reach_the_liveness_engine below.
TEMPORAL_ONLY = {"--temporal"}

LIVE = """spec Live
var x: 0 .. 2
init:
    x = 0
action Inc():
    require x < 2
    x' = x + 1
invariant Small: x <= 2
temporal Two: eventually x == 2
temporal Grows: x == 1 leadsto x == 2
fair weak Inc
"""


@pytest.mark.parametrize("engine, fn", [("explicit", "check_temporal"), ("bmc", "bmc_temporal")])
def test_temporal_names_reach_the_liveness_engine(engine, fn, tmp_path, monkeypatch):
    (tmp_path / "live.spec").write_text(LIVE)
    real = getattr(api, fn)
    seen: list = []

    def spy(spec, *args, **kw):
        seen.append(args[1] if fn == "bmc_temporal" else (args[0] if args else kw.get("temporals")))
        return real(spec, *args, **kw)

    monkeypatch.setattr(api, fn, spy)
    bmc = ["--engine", "bmc", "--depth", "4"] if engine == "bmc" else []
    rc, out, err = _run(["check", str(tmp_path / "live.spec"), *bmc, "--temporal", "Grows"])
    assert rc == 0 and seen == [("Grows",)], (rc, seen, out, err)
    assert "Two" not in out  # only the one named is checked


def test_every_flag_is_accounted_for():
    for command in ("check", "simulate", "prove", "synth", "show", "view", "suite"):
        engines = [e for (c, e) in ROUTES if c == command] or [None]
        for option in _options(command):
            if option in CLI_OWN or option in TEMPORAL_ONLY:
                continue
            for engine in engines:
                routed = command in {c for c, _ in ROUTES} and option in ROUTES[(command, engine)][2]
                refused = (command, engine, option) in REFUSED
                assert routed != refused, f"pyspec {command} {option} (engine {engine}): neither routed nor refused"


@pytest.mark.parametrize("route", sorted(ROUTES, key=str), ids=lambda r: f"{r[0]}-{r[1]}")
def test_each_option_reaches_the_engine(route, files, monkeypatch):
    command, engine = route
    fn, base, options = ROUTES[route]
    real = getattr(api, fn)
    seen: list[dict] = []

    def spy(*args, **kw):
        seen.append({**kw, "invariant": args[1:2]})  # prove's invariant is its second positional
        return real(*args, **kw)

    monkeypatch.setattr(api, fn, spy)
    for option in sorted(options):
        given, keyword, value = ROUTED[option]
        argv = [command, _spec_for(command, files), *base]
        if option in ("--depth", "--invariant") and option in base:  # replace the base's value
            i = argv.index(option)
            del argv[i:i + 2]
        if command == "prove" and option == "--invariant":
            keyword = "invariant"
        if command == "synth" and option == "--invariant":
            given, value = ["--invariant", "NotThree"], ("NotThree",)
        seen.clear()
        rc, out, err = _run([*argv, *given])
        assert "Traceback" not in err, err
        assert len(seen) == 1, (option, rc, out, err)
        got = seen[0].get(keyword)
        if keyword == "reachables":  # the spec's own reachable properties, and the one named
            assert set(value) <= set(got), (option, got)
        else:
            assert (tuple(got) if isinstance(got, (list, tuple)) else got) == value, (option, got)


@pytest.mark.parametrize("key", sorted(REFUSED, key=str), ids=lambda k: f"{k[0]}-{k[1]}{k[2]}")
def test_an_option_the_engine_does_not_use_is_refused(key, files):
    command, engine, option = key
    argv = [command, _spec_for(command, files)]
    if engine == "bmc":
        argv += ["--engine", "bmc", "--depth", "3"]
    given = ROUTED[option][0]
    rc, out, err = _run([*argv, *[a for a in given if not (option == "--depth" and a in argv)]])
    assert rc == 2, (rc, out, err)
    assert f"error[{REFUSED[key]}]" in err and "hint:" in err, err
    assert "Traceback" not in err


# ---- what each option changes, through the real engines -------------------------------------


def test_deadlock_is_found_by_every_engine_that_takes_the_flag(files):
    spec = str(files / "tpc.spec")
    for argv in (["check", spec], ["check", spec, "--engine", "bmc", "--depth", "6"], ["simulate", spec]):
        rc, out, _ = _run([*argv, "--invariant", "Consistent"])
        assert rc == 0 and "DEADLOCK" not in out, out
        rc, out, _ = _run([*argv, "--invariant", "Consistent", "--deadlock"])
        assert rc == 1 and "DEADLOCK: a reachable state enables no action" in out, out


def test_simulate_deadlock_in_the_last_state_of_a_walk(files):
    spec = str(files / "tpc.spec")
    rc, out, _ = _run(["simulate", spec, "--invariant", "Consistent", "--deadlock", "--steps", "3", "--runs", "50"])
    assert rc == 1 and "DEADLOCK" in out, out
    rc, out, _ = _run(["simulate", spec, "--invariant", "Consistent", "--deadlock", "--steps", "0"])
    assert rc == 0, out  # no initial state is deadlocked


def test_bounds_and_selections_change_the_verdict(files):
    spec = str(files / "tpc.spec")
    assert _run(["check", spec])[0] == 1  # NotAllPrepared
    assert _run(["check", spec, "--invariant", "Consistent"])[0] == 0
    assert _run(["check", spec, "--invariant", "Consistent", "--max-states", "2"])[0] == 3
    assert _run(["check", spec, "--engine", "bmc", "--depth", "1"])[0] == 3  # Committed not reached yet
    assert _run(["check", spec, "--engine", "bmc", "--depth", "2"])[0] == 1
    rc, out, _ = _run(["check", spec, "--invariant", "Consistent", "--witness", "Committed"])
    assert rc == 0 and "shortest witness for Committed" in out
    rc, out, _ = _run(["check", spec, "-D", "N=3", "--json", "--invariant", "Consistent"])
    assert rc == 0 and json.loads(out)["stats"]["states"] != json.loads(
        _run(["check", spec, "--json", "--invariant", "Consistent"])[1])["stats"]["states"]
    a = json.loads(_run(["simulate", spec, "--json", "--runs", "3", "--steps", "1"])[1])["stats"]
    assert (a["runs"], a["steps"]) == (3, 3)
    walks = {_run(["simulate", spec, "--invariant", "Consistent", "--deadlock", "--seed", str(s)])[1] for s in range(4)}
    assert len(walks) > 1  # the seed picks the walks


def test_pages_are_written_where_asked(files):
    spec = str(files / "tpc.spec")
    for argv in (["check", spec, "--deadlock"], ["simulate", spec], ["prove", spec, "--invariant", "Consistent"]):
        page = files / "p.html"
        rc, _, err = _run([*argv, "--html", str(page)])
        assert rc in (0, 1, 4) and page.exists() and "<html" in page.read_text().lower(), (argv, err)
        page.unlink()


def test_suite_rows_honour_deadlock_and_refuse_keys_their_engine_does_not_use(files):
    rows = "".join(f'[[check]]\nname = "{name}"\nspec = "tpc.spec"\nproperty = "Consistent"\nengine = "{engine}"\n'
                   f'deadlock = true\nexpect = "deadlock"\n{extra}\n'
                   for name, engine, extra in (("x", "explicit", ""), ("b", "bmc", "bound = 6"), ("s", "simulate", "")))
    (files / "ok.toml").write_text(rows)
    rc, out, err = _run(["suite", str(files / "ok.toml"), "--json"])
    assert rc == 0 and json.loads(out)["ok"], (out, err)
    rc, out, err = _run(["suite", str(files / "ok.toml"), "--only", "b", "--json"])
    assert rc == 0 and len(json.loads(out)["rows"]) == 1, out
    for engine, key in (("prove", "deadlock = true"), ("explicit", "timeout = 5"), ("bmc", "runs = 3"),
                        ("simulate", "bound = 4"), ("explicit", "k = 2")):
        (files / "bad.toml").write_text(f'[[check]]\nspec = "tpc.spec"\nproperty = "Consistent"\nengine = "{engine}"\n'
                                        f'expect = "holds"\n{key}\n')
        rc, out, err = _run(["suite", str(files / "bad.toml")])
        assert rc == 2 and "error[PS613]" in err and f"engine {engine} does not use {key.split()[0]}" in err, err


def test_prove_refuses_a_second_invariant_rather_than_proving_only_the_last(files):
    spec = str(files / "tpc.spec")
    rc, out, err = _run(["prove", spec, "--invariant", "Consistent", "--invariant", "NotAllPrepared"])
    assert rc == 2 and "error[PS631]" in err and "--invariant Consistent --with NotAllPrepared" in err, err


def test_prove_refuses_with_naming_the_invariant_it_proves(files):
    rc, out, err = _run(["prove", str(files / "tpc.spec"), "--invariant", "Consistent", "--with", "Consistent"])
    assert rc == 2 and "error[PS631]" in err and "names the invariant being proved" in err, err
