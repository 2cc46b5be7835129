"""Progress on long work; Ctrl-C, SIGTERM and SIGHUP as INCOMPLETE with a summary that a second
signal cannot cut; and the small things users expect (--version, simulate's help, --depth
without bmc, tracecheck's JSON and JUnit reports on bad input).

Every run goes through the installed console scripts. Progress lines go to stderr only, with
`--progress` (or on a terminal); PYSPEC_PROGRESS_INTERVAL shortens the 2 s between lines so that
runs of a second or two show several. The signal tests send the signal to a real process after
its first progress line and wait a bounded time for the summary; nothing asserts on durations.
The tests of pyspec.progress's handler run in a child process too: a stop signal leaves the
signals ignored once its command ends, which pytest's own process must not inherit."""

from __future__ import annotations

import json
import os
import pathlib
import queue
import signal
import subprocess
import sys
import threading

import pytest

from tests.cli_helpers import assert_user_error, run_cli, script

ROOT = pathlib.Path(__file__).resolve().parents[1]
PAXOS = str(ROOT / "specs" / "paxos.spec")
FAST = {**os.environ, "PYSPEC_PROGRESS_INTERVAL": "0.05"}


def _run(name: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([script(name), *args], capture_output=True, text=True, timeout=300, env=FAST, cwd=ROOT)


def _progress_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("progress: ")]


def _verdict(stdout: str) -> list[str]:
    return stdout.splitlines()[:2]  # the header and the verdict (later lines carry timings)


def _assert_clean(p: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in p.stderr and "internal error" not in p.stderr, p.stderr
    assert not _progress_lines(p.stdout), p.stdout  # stdout carries the verdict only


# ---- progress lines, with --progress, and none without ---------------------------------------


def test_check_reports_states_depth_queue_rate_and_memory():
    p = _run("pyspec", "check", PAXOS, "--max-states", "20000", "--progress")
    _assert_clean(p)
    assert p.returncode == 3, p.stdout + p.stderr  # the state limit: INCOMPLETE
    lines = [x for x in _progress_lines(p.stderr) if " states, depth " in x]
    assert lines, p.stderr
    assert all(" queue " in x and " states/s" in x and " MB resident" in x for x in lines), lines


def test_check_on_a_terminal_reports_progress_by_default():
    import pty

    leader, follower = pty.openpty()
    chunks: list[bytes] = []

    def read() -> None:  # concurrently, so that a full terminal buffer never blocks the command
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the other end closed: everything was read
                return
            if not chunk:
                return
            chunks.append(chunk)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        proc = subprocess.Popen([script("pyspec"), "check", PAXOS, "--max-states", "20000"], stdout=subprocess.PIPE,
                                stderr=follower, text=True, env=FAST, cwd=ROOT)
        os.close(follower)
        out, _ = proc.communicate(timeout=300)
        reader.join(timeout=30)
    finally:
        os.close(leader)
    assert proc.returncode == 3 and not _progress_lines(out), out
    err = b"".join(chunks).decode().replace("\r\n", "\n")
    assert _progress_lines(err), err


def test_check_without_progress_on_a_pipe_prints_none():
    for flags in ((), ("--no-progress",)):
        p = _run("pyspec", "check", PAXOS, "--max-states", "20000", *flags)
        _assert_clean(p)
        assert p.returncode == 3
        assert p.stderr == "", p.stderr  # stderr is a pipe here, not a terminal: progress is off


def test_bmc_reports_the_depth_being_solved():
    p = _run("pyspec", "check", PAXOS, "--engine", "bmc", "--depth", "3", "--progress")
    _assert_clean(p)
    assert p.returncode in (0, 3), p.stdout + p.stderr
    assert any("solving depth " in x and " of 3" in x for x in _progress_lines(p.stderr)), p.stderr
    quiet = _run("pyspec", "check", PAXOS, "--engine", "bmc", "--depth", "3")
    assert quiet.stderr == "" and _verdict(quiet.stdout) == _verdict(p.stdout)  # progress changes nothing on stdout


def test_prove_reports_the_obligation():
    p = _run("pyspec", "prove", PAXOS, "--invariant", "Inv", "--progress")
    _assert_clean(p)
    assert p.returncode == 0, p.stdout + p.stderr
    assert any("obligation " in x and " of 5" in x for x in _progress_lines(p.stderr)), p.stderr


def test_synth_reports_the_candidate_round():
    p = _run("pyspec", "synth", str(ROOT / "specs" / "election_any_algorithm.spec"), "-D", "N=2", "-D", 'FD="S"',
             "--depth", "3", "--progress")
    _assert_clean(p)
    assert p.returncode == 1, p.stdout + p.stderr
    assert _progress_lines(p.stderr), p.stderr


def test_simulate_reports_runs_and_steps():
    p = _run("pyspec", "simulate", PAXOS, "--runs", "3000", "--steps", "30", "--progress")
    _assert_clean(p)
    assert any(x.count(" steps") == 2 and "run " in x for x in _progress_lines(p.stderr)), p.stderr  # "N steps", "steps/s"


def _suite(tmp_path: pathlib.Path) -> str:
    path = tmp_path / "suite.toml"
    path.write_text(f'[[check]]\nname = "paxos first states"\nspec = "{PAXOS}"\nengine = "explicit"\n'
                    f'bound = 20000\nexpect = "incomplete"\n')
    return str(path)


def test_suite_reports_the_row_and_its_engine(tmp_path):
    p = _run("pyspec", "suite", _suite(tmp_path), "--progress")
    _assert_clean(p)
    assert p.returncode == 0, p.stdout + p.stderr
    assert any("row 1 of 1, paxos first states, " in x and " states, depth " in x
               for x in _progress_lines(p.stderr)), p.stderr
    assert _run("pyspec", "suite", _suite(tmp_path)).stderr == ""


SPEC = """spec Ticks
var n: 0 .. 1
init:
    n = 0
action Tick():
    n' = (n + 1) % 2
"""

MAPPING = """[spec]
file = "ticks.spec"

[log]
format = "jsonl"

[[rule]]
when = { event = "tick" }
action = "Tick"
"""


def _ticks(tmp_path: pathlib.Path, records: int) -> tuple[str, str]:
    (tmp_path / "ticks.spec").write_text(SPEC)
    (tmp_path / "ticks.toml").write_text(MAPPING)
    (tmp_path / "ticks.jsonl").write_text('{"event": "tick"}\n' * records)
    return str(tmp_path / "ticks.toml"), str(tmp_path / "ticks.jsonl")


def test_tracecheck_reports_record_rate_and_frontier(tmp_path):
    mapping, log = _ticks(tmp_path, 60_000)
    p = _run("tracecheck", "validate", "-m", mapping, log, "--progress")
    _assert_clean(p)
    assert p.returncode == 0, p.stdout + p.stderr
    lines = [x for x in _progress_lines(p.stderr) if x.count("record") == 2]  # "record N", "records/s"
    assert lines and all("frontier of 1 states" in x for x in lines), p.stderr
    quiet = _run("tracecheck", "validate", "-m", mapping, log)
    assert quiet.stderr == "" and _verdict(quiet.stdout) == _verdict(p.stdout)


# ---- Ctrl-C: INCOMPLETE with a summary, exit 3, never a traceback -----------------------------


def _interrupt_after_first_progress_line(name: str, *args: str, needle: str = "progress: ",
                                        signum: int = signal.SIGINT, again: bool = False) -> tuple[int, str, str]:
    """Start the command, wait (bounded) for a progress line containing `needle`, send `signum`
    (SIGINT: Ctrl-C), and wait (bounded) for it to finish: (exit code, stdout, stderr). With
    `again`, send SIGINT again and again (at most 400 times, every 10 ms) until it finishes, as an
    impatient user would: the summary must come out whole all the same."""
    ignored = signal.getsignal(signal.SIGHUP) == signal.SIG_IGN  # under nohup: let the child see SIGHUP
    proc = subprocess.Popen([script(name), *args, "--progress"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, "PYSPEC_PROGRESS_INTERVAL": "0.2"}, cwd=ROOT,
                            preexec_fn=(lambda: signal.signal(signal.SIGHUP, signal.SIG_DFL)) if ignored else None)
    lines: queue.Queue = queue.Queue()
    err: list[str] = []

    def read() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            err.append(line)
            lines.put(line)
        lines.put(None)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        while True:
            line = lines.get(timeout=120)
            assert line is not None, "the command ended before its first progress line: " + "".join(err)
            if line.startswith("progress: ") and needle in line:
                break
        proc.send_signal(signum)
        if again:
            for _ in range(400):
                try:
                    proc.wait(timeout=0.01)
                    break
                except subprocess.TimeoutExpired:
                    proc.send_signal(signal.SIGINT)
        assert proc.stdout is not None
        out = proc.stdout.read()
        code = proc.wait(timeout=120)
        reader.join(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return code, out, "".join(err)


def test_ctrl_c_in_check_gives_incomplete_with_the_states_so_far():
    code, out, err = _interrupt_after_first_progress_line("pyspec", "check", PAXOS, needle=" states, depth ")
    assert "Traceback" not in err and "internal error" not in err, err
    assert code == 3, out + err
    assert "INCOMPLETE: stopped: interrupted by the user (Ctrl-C) at depth " in out, out
    assert " distinct states, depth " in out  # the summary: what was explored
    assert "holds" not in out.lower()


def test_ctrl_c_in_a_liveness_check_gives_incomplete_never_holds():
    code, out, err = _interrupt_after_first_progress_line(
        "pyspec", "check", str(ROOT / "specs" / "leader_election_liveness.spec"), "-D", "FD=P", "-D", "N=5",
        "--temporal", "EventuallyOneLeaderForever", needle="building the state graph")
    assert "Traceback" not in err and "internal error" not in err, err
    assert code == 3, out + err
    assert "INCOMPLETE" in out and "interrupted by the user (Ctrl-C)" in out, out
    assert "HOLDS" not in out and "VIOLATED" not in out


def test_ctrl_c_in_check_json_is_an_incomplete_result():
    code, out, err = _interrupt_after_first_progress_line("pyspec", "check", PAXOS, "--json", needle=" states, depth ")
    assert code == 3, out + err
    result = json.loads(out)
    assert result["verdict"] == "incomplete" and "interrupted by the user" in result["reason"]
    assert result["stats"]["states"] > 0


@pytest.mark.parametrize("signum, said", [(signal.SIGINT, "interrupted by the user (Ctrl-C)"),
                                          (signal.SIGTERM, "terminated by SIGTERM")], ids=["SIGINT", "SIGTERM"])
def test_a_stop_signal_inside_a_z3_check_gives_incomplete(signum, said):
    # Z3 catches SIGINT inside a check and answers unknown; that is still the user's Ctrl-C. It
    # does not catch SIGTERM, which is relayed to it as SIGINT: depth 40 would otherwise run on
    # for minutes, past the helper's bounded wait.
    code, out, err = _interrupt_after_first_progress_line("pyspec", "check", PAXOS, "--engine", "bmc", "--depth", "40",
                                                          needle="solving depth ", signum=signum)
    assert "Traceback" not in err and "internal error" not in err, err
    assert code == 3, out + err
    assert f"INCOMPLETE: stopped: {said} at depth " in out, out
    assert "could not decide" not in out


def test_ctrl_c_in_prove_is_unknown_exit_3():
    # 12-induction spends many seconds in its first obligation: the Ctrl-C always comes first
    # (plain induction of Inv takes 0.15 s in the solver and could finish before it)
    code, out, err = _interrupt_after_first_progress_line("pyspec", "prove", PAXOS, "--invariant", "Inv",
                                                          "--k", "12", needle="obligation ")
    assert "Traceback" not in err, err
    assert code == 3, out + err
    assert "interrupted by the user" in out and "PROVED" not in out, out


def test_ctrl_c_in_tracecheck_gives_incomplete_at_a_record(tmp_path):
    mapping, log = _ticks(tmp_path, 1_000_000)
    code, out, err = _interrupt_after_first_progress_line("tracecheck", "validate", "-m", mapping, log,
                                                          needle="record ")
    assert "Traceback" not in err, err
    assert code == 3, out + err
    assert "interrupted by the user (Ctrl-C) at record " in out, out
    assert "CONFORMS" not in out


def test_ctrl_c_in_a_suite_stops_it_incomplete(tmp_path):
    path = tmp_path / "suite.toml"
    path.write_text(f'[[check]]\nname = "paxos all states"\nspec = "{PAXOS}"\nexpect = "holds"\n\n'
                    f'[[check]]\nname = "never run"\nspec = "{PAXOS}"\nexpect = "holds"\n')
    code, out, err = _interrupt_after_first_progress_line("pyspec", "suite", str(path), needle=" states, depth ")
    assert "Traceback" not in err, err
    assert code == 3, out + err
    assert "INCOMPLETE: stopped: interrupted by the user (Ctrl-C) after 0 row(s)" in out, out
    assert "never run" not in out.split("INCOMPLETE")[1]


def test_ctrl_c_pressed_again_and_again_keeps_the_whole_summary():
    code, out, err = _interrupt_after_first_progress_line("pyspec", "check", PAXOS, needle=" states, depth ",
                                                          again=True)
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert code == 3, out + err
    lines = out.splitlines()
    assert lines[0] == f"pyspec check {PAXOS} (NA=3, NV=2, MaxBallot=2)", out  # the spec and its parameters
    assert lines[1].startswith("INCOMPLETE: stopped: interrupted by the user (Ctrl-C) at depth "), out
    assert " distinct states, depth " in lines[2], out  # the counts
    assert out.count("INCOMPLETE") == 1, out


@pytest.mark.parametrize("signum, said", [(signal.SIGTERM, "terminated by SIGTERM"),
                                          (signal.SIGHUP, "hung up (SIGHUP)")], ids=["SIGTERM", "SIGHUP"])
def test_sigterm_and_sighup_in_check_give_incomplete_with_the_states_so_far(signum, said):
    code, out, err = _interrupt_after_first_progress_line("pyspec", "check", PAXOS, needle=" states, depth ",
                                                          signum=signum)
    assert "Traceback" not in err and "internal error" not in err, err
    assert code == 3, out + err
    assert f"INCOMPLETE: stopped: {said} at depth " in out, out
    assert " distinct states, depth " in out and "holds" not in out.lower(), out


@pytest.mark.parametrize("signum, said", [(signal.SIGTERM, "terminated by SIGTERM"),
                                          (signal.SIGHUP, "hung up (SIGHUP)")], ids=["SIGTERM", "SIGHUP"])
def test_sigterm_and_sighup_in_tracecheck_give_incomplete_at_a_record(tmp_path, signum, said):
    mapping, log = _ticks(tmp_path, 1_000_000)
    code, out, err = _interrupt_after_first_progress_line("tracecheck", "validate", "-m", mapping, log, "--json",
                                                          needle="record ", signum=signum)
    assert "Traceback" not in err, err
    assert code == 3, out + err
    result = json.loads(out)
    assert result["verdict"] == "incomplete" and f"{said} at record " in result["reason"], result


# ---- small things users expect ---------------------------------------------------------------


def test_version():
    for name in ("pyspec", "tracecheck"):
        p = run_cli(name, "--version")
        assert p.returncode == 0 and p.stdout == f"{name} 0.1.0\n" and p.stderr == "", p


def test_simulate_options_have_help_and_defaults():
    p = run_cli("pyspec", "simulate", "--help")
    assert p.returncode == 0
    text = " ".join(p.stdout.split())
    for option, default in (("--runs N", "default: 100"), ("--steps N", "default: 50"), ("--seed SEED", "default: 0")):
        assert option in text and default in text, (option, text)
    assert "--deadlock also report" in text and "--invariant NAME check only" in text


def test_depth_without_bmc_is_a_usage_error():
    p = run_cli("pyspec", "check", PAXOS, "--depth", "3")
    assert_user_error(p, "PS615", "--depth 3 needs --engine bmc", "hint: add --engine bmc")
    assert p.stdout == ""
    p = run_cli("pyspec", "check", PAXOS, "--depth", "3", "--engine", "explicit", "--json")
    assert p.returncode == 2 and json.loads(p.stdout)["errors"][0]["code"] == "PS615"


@pytest.mark.parametrize("bad", ["mapping", "log"])
def test_tracecheck_json_and_junit_on_bad_input(tmp_path, bad):
    mapping, log = _ticks(tmp_path, 3)
    if bad == "mapping":
        mapping, code = str(tmp_path / "missing.toml"), "TC101"
    else:
        (tmp_path / "ticks.jsonl").write_text('{"event": "tick"}\nnot json\n')
        code = "TC2"
    junit = tmp_path / "report.xml"
    p = run_cli("tracecheck", "validate", "-m", mapping, log, "--json", "--junit", junit)
    assert p.returncode == 2, p.stdout + p.stderr
    assert "Traceback" not in p.stderr
    data = json.loads(p.stdout)
    assert data["verdict"] == "error" and data["exit_code"] == 2
    assert data["errors"][0]["code"].startswith(code) and data["errors"][0]["message"]
    assert set(data["errors"][0]) == {"code", "message", "file", "line", "col", "hint"}  # pyspec --json's shape
    xml = junit.read_text()
    assert 'tests="1" failures="0" errors="1"' in xml and f"error[{data['errors'][0]['code']}]" in xml
    import xml.etree.ElementTree as ET

    ET.fromstring(xml)  # well-formed


# ---- pyspec.progress in-process: the line, watch without a session, Ctrl-C inside z3 ----------


def test_progress_line_names_the_probes_and_the_rate():
    import io

    from pyspec.progress import Session, watch

    counter = [0]
    session = Session(progress=True, stream=io.StringIO(), every=3600)  # the thread never ticks here
    with session:
        with watch(lambda: (None, "row 1 of 2, paxos")), watch(lambda: (counter[0], f"{counter[0]:,} states"), "states"):
            counter[0] = 1500
            line = session.line()
    assert line.startswith("progress: ") and ", row 1 of 2, paxos, 1,500 states, " in line, line
    assert " states/s" in line
    assert session.stream.getvalue() == ""  # nothing written but by the thread
    with watch(lambda: (None, "no session")):  # without a session, watch does nothing
        pass


def _child(code: str) -> subprocess.CompletedProcess:
    """Run `code` in a fresh python (bounded: a signal that does not arrive fails the test by
    timing out, where the child would have waited for minutes)."""
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)


def test_ctrl_c_inside_z3_bindings_reaches_the_main_thread_just_after():
    # An exception raised inside z3's Python bindings may cross ctypes (an internal error): the
    # handler asks again in 10 ms, outside them, and that signal must wake a main thread that
    # waits (as it does in a Z3 check), not wait for it to wake: the child would wait 600 s.
    p = _child("""
import signal, threading, types
from pyspec.progress import Interrupted, Session, _on_stop_signal

z3_frame = types.SimpleNamespace(f_globals={"__name__": "z3.z3core"})
with Session(progress=False):
    _on_stop_signal(signal.SIGINT, z3_frame)  # no exception here
    try:
        threading.Event().wait(600)
    except Interrupted as stop:
        print("stopped:", stop.reason)
""")
    assert p.returncode == 0 and p.stdout == "stopped: interrupted by the user (Ctrl-C)\n", p.stdout + p.stderr


def test_a_second_stop_signal_does_not_cut_the_summary_of_the_first():
    p = _child("""
import os, signal, threading
from pyspec.progress import Interrupted, Session

with Session(progress=False):
    try:
        os.kill(os.getpid(), signal.SIGINT)
        threading.Event().wait(60)
    except Interrupted as stop:
        # the summary is being written: more signals change nothing, and cut nothing
        signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)
        signal.pthread_kill(threading.main_thread().ident, signal.SIGTERM)
        print("summary:", stop.reason)
os.kill(os.getpid(), signal.SIGINT)  # after it, up to the process's exit, too
print("exit")
""")
    assert p.returncode == 0 and p.stdout == "summary: interrupted by the user (Ctrl-C)\nexit\n", p.stdout + p.stderr


def test_the_state_store_is_dropped_after_the_verdict_is_printed():
    # Freeing millions of states takes seconds per GB: the session, which the command leaves
    # after printing, holds the explicit engine's store, out of the cyclic collector's way.
    import gc

    from pyspec import api
    from pyspec.progress import Session

    spec = api.load(PAXOS, {})
    frozen = gc.get_freeze_count()
    with Session(progress=False) as session:
        result = api.check(spec, max_states=2000)
        assert len(session._kept[0]) == result.stats["states"] == 2000  # the store: state -> index
        assert gc.get_freeze_count() > frozen
        # the next engine (a suite's next row) drops it as it starts: one store at a time
        result = api.simulate(spec, runs=3, steps=10)
        assert len(session._kept[0]) == result.stats["distinct_states_seen"] > 0  # simulate's distinct states
        assert gc.get_freeze_count() == frozen
    assert session._kept == () and gc.get_freeze_count() == frozen


def test_a_handler_called_in_code_that_z3_called_does_not_raise():
    # A stop signal's handler (or a budget's tick) may run in code that z3's bindings called, or
    # in a handler itself called inside them: below it on the stack, z3 would get the exception.
    import types

    from pyspec.limits import in_z3

    def frame(module: str, below=None):
        return types.SimpleNamespace(f_globals={"__name__": module}, f_back=below)

    inside = frame("threading", frame("pyspec.progress", frame("z3.z3core", frame("pyspec.symbolic.bmc"))))
    assert in_z3(inside) and in_z3(frame("z3.z3"))
    assert not in_z3(frame("threading", frame("pyspec.symbolic.bmc"))) and not in_z3(None)
