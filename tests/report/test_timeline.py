"""The timeline model and its builders (pyspec traces, ITF files, tracecheck logs), the HTML page
as text, the spec lexer, and the --html / view commands. The pages in a browser: tests/browser."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pygments.lexers
import pytest
from pygments.token import Error

import pyspec
import tracecheck
from pyspec.cli import main as pyspec_main
from pyspec.report.lexer import PyspecLexer
from pyspec.report.pages import itf_timeline, load_itf, proof_timeline, result_timeline
from pyspec.report.timeline import format_itf, lanes_pragma, timeline_from_itf, timeline_from_trace
from pyspec.report.timeline_html import render_html
from tracecheck.cli import main as tracecheck_main
from tracecheck.html import FrontierSeries, log_timeline

ROOT = Path(__file__).resolve().parents[2]
PAUSE = sorted((ROOT / "examples" / "docs" / "systems" / "election-pause").glob("*.jsonl"))


def election(fd: str = "S"):
    spec = pyspec.load(str(ROOT / "specs" / "leader_election.spec"), {"FD": f'"{fd}"'})
    return spec, pyspec.check(spec)


def page_data(html: str) -> dict:
    m = re.search(r'<script type="application/json" id="timeline-data">(.*?)</script>', html, re.S)
    assert m, "the page carries its data"
    return json.loads(m.group(1))


# ---- the lexer -------------------------------------------------------------------------------


def test_lexer_is_registered_with_pygments():
    assert isinstance(pygments.lexers.get_lexer_by_name("pyspec"), PyspecLexer)
    source = (ROOT / "specs" / "paxos.spec").read_text()  # *.spec is also RPM's: the text decides
    assert isinstance(pygments.lexers.get_lexer_for_filename("x.spec", source), PyspecLexer)
    assert isinstance(pygments.lexers.guess_lexer(source), PyspecLexer)


@pytest.mark.parametrize("path", sorted((ROOT / "specs").glob("*.spec")), ids=lambda p: p.name)
def test_every_library_spec_lexes_without_error_tokens(path):
    tokens = list(PyspecLexer().get_tokens(path.read_text()))
    assert [v for t, v in tokens if t is Error] == []
    assert "".join(v for _, v in tokens) == path.read_text()  # nothing lost


def test_lexer_marks_what_the_grammar_has_no_token_for():
    tokens = list(PyspecLexer().get_tokens("invariant X: a $ b\n"))
    assert [v for t, v in tokens if t is Error] == ["$"]
    kinds = {v: str(t) for t, v in PyspecLexer().get_tokens("action Step(p: Proc):\n    leader'[p] = True\n")}
    assert kinds["Step"] == "Token.Name.Function" and kinds["leader'"] == "Token.Name.Variable.Instance"
    assert kinds["True"] == "Token.Keyword.Constant"
    kinds = {v: str(t) for t, v in PyspecLexer().get_tokens("symmetric type Server = 0 .. 2\n")}
    assert kinds["symmetric"] == kinds["type"] == "Token.Keyword.Declaration" and kinds["Server"] == "Token.Name.Class"


# ---- pyspec traces ---------------------------------------------------------------------------


def test_election_counterexample_lanes_steps_and_violation():
    spec, r = election()
    tl = result_timeline(r, spec, "pyspec check leader_election.spec (FD=S)")
    assert [ln.label for ln in tl.lanes] == ["Proc 0", "Proc 1", "Proc 2", "env"]
    assert [(e.label, tl.lanes[e.lane].key) for e in tl.events] == [
        ("initial state", "env"), ("Step(p=0)", "0"), ("Step(p=1)", "1")]  # no explainer: no choices shown
    last = tl.events[-1]
    assert "violation" in last.marks and "AtMostOneLeader" in last.note
    assert last.changed == ("suspects", "leader")
    assert dict(last.state)["leader"] == "{0: True, 1: True, 2: False}"
    assert tl.selected == 2
    assert [x.marked for x in tl.excerpts] and "AtMostOneLeader" in tl.excerpts[0].text


def test_holding_result_page_shows_the_search_and_a_witness_of_each_reachable():
    spec, r = election("P")
    tl = result_timeline(r, spec, "h")
    assert tl.verdict == "holds"
    assert any(line.endswith("transitions") and "distinct states" in line for line in tl.summary)
    assert "reachable LeaderElected: first reached at depth 1 (its witness is drawn below)" in tl.summary
    assert "witness" in tl.events[-1].marks and "LeaderElected is true" in tl.events[-1].note
    assert tl.selected == len(tl.events) - 1
    assert "<!DOCTYPE html>" in render_html(tl)


def test_holding_result_without_a_reachable_has_no_events():
    spec = pyspec.loads(MSG_SPEC.replace("invariant Quiet: got[1] == 0", "invariant Small: got[1] <= 3"))
    r = pyspec.check(spec)
    tl = result_timeline(r, spec, "h")
    assert tl.events == () and "no trace to draw: the result has no counterexample" in tl.summary


MSG_SPEC = """\
spec Ping
type Proc = 0 .. 1
type Msg = {src: Proc, dst: Proc}
var sent: set[Msg]
var got: map[Proc, 0 .. 3]
init:
    sent = {}
    got = {p: 0 for p in Proc}
action Send(src: Proc, dst: Proc):
    require src != dst and len(sent) == 0
    sent' = sent | {{src: src, dst: dst}}
action Receive(dst: Proc):
    require any(m.dst == dst for m in sent) and got[dst] < 3
    sent' = {m for m in sent if m.dst != dst}
    got'[dst] = got[dst] + 1
invariant Quiet: got[1] == 0
"""


def test_messages_are_arrows_from_the_send_to_the_receive():
    spec = pyspec.loads(MSG_SPEC)
    r = pyspec.check(spec)
    assert r.violated == "Quiet"
    tl = timeline_from_trace(r.trace, spec, title="Ping", verdict="violated", violated="Quiet")
    labels = [e.label for e in tl.events]
    assert labels == ["initial state", "Send(src=0, dst=1)", "Receive(dst=1)"]
    assert [(a.source, a.target) for a in tl.arrows] == [(1, 2)]
    assert tl.events[1].lane == 0 and tl.events[2].lane == 1  # Send on src's lane, Receive on dst's


def test_lanes_pragma_names_the_only_lane_type():
    assert lanes_pragma("spec S\n# timeline: lanes = Acceptor\n") == "Acceptor"
    assert lanes_pragma("spec S\n# lanes = Acceptor\n") is None
    spec = pyspec.loads(MSG_SPEC)
    r = pyspec.check(spec)
    tl = timeline_from_trace(r.trace, spec, title="Ping", verdict="violated", lane_type="Msg")
    assert len(tl.lanes) == 5  # the four Msg values, and env
    assert all(tl.lanes[e.lane].key == "env" for e in tl.events)  # Msg is no parameter's type


def test_proof_page_shows_the_counterexample_to_induction():
    spec = pyspec.loads(MSG_SPEC)
    p = pyspec.prove(spec, "Quiet")
    tl = proof_timeline(p, spec, "pyspec prove")
    assert tl.verdict == "not inductive"
    assert tl.events[0].label.startswith("pre-state") and "violation" in tl.events[-1].marks


# ---- ITF -------------------------------------------------------------------------------------


def test_format_itf_reads_like_the_spec():
    assert format_itf({"#set": [1, 2]}) == "{1, 2}"
    assert format_itf({"#map": [[0, True], [1, False]]}) == "{0: True, 1: False}"
    assert format_itf({"#tup": [1, "a"]}) == '(1, "a")'
    assert format_itf({"#bigint": "123456789012345678901"}) == "123456789012345678901"
    assert format_itf({"tag": "Phase1a", "value": {"bal": 1}}) == "Phase1a(bal=1)"
    assert format_itf({"bal": 1, "val": 0}) == "{bal: 1, val: 0}"


# A trace as Quint writes it with --mbt: the action and its nondeterministic picks as variables.
QUINT = {
    "#meta": {"format": "ITF", "source": "election.qnt"},
    "vars": ["leader", "mbt::actionTaken", "mbt::nondetPicks"],
    "states": [
        {"#meta": {"index": 0}, "leader": {"#map": [["n1", False], ["n2", False]]}, "mbt::actionTaken": "init",
         "mbt::nondetPicks": {"p": {"tag": "None", "value": {"#tup": []}}}},
        {"#meta": {"index": 1}, "leader": {"#map": [["n1", True], ["n2", False]]}, "mbt::actionTaken": "elect",
         "mbt::nondetPicks": {"p": {"tag": "Some", "value": "n1"}}},
        {"#meta": {"index": 2}, "leader": {"#map": [["n1", True], ["n2", True]]}, "mbt::actionTaken": "elect",
         "mbt::nondetPicks": {"p": {"tag": "Some", "value": "n2"}}},
    ],
    "loop": 1,
}


def test_quint_itf_lanes_from_map_keys_and_picks():
    tl = timeline_from_itf(QUINT, title="q")
    assert [ln.label for ln in tl.lanes] == ["n1", "n2", "env"]
    assert [(e.label, e.lane) for e in tl.events] == [("initial state", 2), ('elect(p="n1")', 0), ('elect(p="n2")', 1)]
    assert [n for n, _ in tl.events[0].state] == ["leader"]  # the mbt:: variables are not state
    assert tl.loop == 1 and "loop" in tl.events[1].marks


def test_view_reads_our_json_and_bare_itf(tmp_path, capsys):
    spec, r = election()
    from pyspec.report.result import to_json

    (tmp_path / "r.json").write_text(json.dumps(to_json(r)))
    (tmp_path / "q.itf.json").write_text(json.dumps(QUINT))
    assert pyspec_main(["view", str(tmp_path / "r.json"), "-o", str(tmp_path / "r.html")]) == 0
    data = page_data((tmp_path / "r.html").read_text())
    assert data["verdict"] == "violated" and len(data["lanes"]) == 4 and "violation" in data["events"][-1][2]
    assert pyspec_main(["view", str(tmp_path / "q.itf.json"), "-o", str(tmp_path / "q.html")]) == 0
    assert "3 states on 3 lanes" in capsys.readouterr().out


@pytest.mark.parametrize("text, fragment", [
    ("[1, 2]", "the top level is a JSON array"),
    ('{"states": []}', 'no "states" array, or it is empty'),
    ('{"vars": ["x"], "states": [{"y": 1}]}', "state 0 has no value for variable 'x'"),
    ('{"vars": ["x"], "states": [{"x": {"#map": [1]}}]}', "#map holds [key, value] pairs"),
    ('{"verdict": "holds", "trace": null}', "a result without a trace"),
])
def test_bad_itf_is_a_clean_error(tmp_path, text, fragment):
    (tmp_path / "t.json").write_text(text)
    with pytest.raises(pyspec.UsageError) as info:
        load_itf(str(tmp_path / "t.json"))
    assert info.value.code == "PS621" and fragment in info.value.message


def test_same_input_same_page(tmp_path):
    spec, r = election()
    a = render_html(result_timeline(r, spec, "h"))
    spec, r = election()
    assert render_html(result_timeline(r, spec, "h")) == a
    assert "http://" not in a.replace("http://www.w3.org/2000/svg", "") and "https://" not in a  # nothing fetched


def test_page_escapes_script_ends_in_data():
    tl = timeline_from_itf({"vars": ["x"], "states": [{"x": "</script><b>"}]}, title="t")
    html = render_html(tl)
    assert "</script><b>" not in html and page_data(html)["events"][0][5] == [["x", '"</script><b>"']]


# ---- tracecheck logs -------------------------------------------------------------------------


def test_paused_leader_log_lanes_band_and_frontier():
    m = tracecheck.load_mapping(ROOT / "examples" / "systems" / "election.toml")
    series = FrontierSeries()
    r = tracecheck.validate(m, PAUSE, invariants=["AtMostOneActingLeader"], on_frontier=series)
    assert r.conforms
    tl = log_timeline(r, m, tracecheck.read_logs(PAUSE, m.log), series.points)
    assert [ln.label for ln in tl.lanes] == ["node 0", "node 1", "node 2", "storage"]
    assert len(tl.events) == r.records == 53
    assert [(b.first, b.last) for b in tl.bands] == [(23, 38)]  # records 24..39
    assert tl.selected == 23 and tl.number_from == 1
    assert len(tl.series) == 53 and all(v >= 1 for _, v in tl.series)
    assert tl.events[23].label == "Lead(p=1)" and "node-1.jsonl:3" in tl.events[23].detail


def test_diverging_log_marks_the_record_with_the_explanation(tmp_path):
    d = ROOT / "examples" / "tracecheck"
    logs = sorted((d / "sample-diverging").glob("*.jsonl"))
    out = tmp_path / "div.html"
    rc = tracecheck_main(["validate", "--mapping", str(d / "leader_election.toml"), *map(str, logs), "--html", str(out)])
    assert rc == 1
    data = page_data(out.read_text())
    marked = [i for i, e in enumerate(data["events"]) if "divergence" in e[2]]
    assert marked == [6] and data["selected"] == 6
    assert "suspects[node] == out" in data["events"][6][3] and "the record says out = {0}" in data["events"][6][3]
    assert 'class="hll"' in out.read_text()  # the failing clause's line, highlighted


def test_frontier_series_stays_bounded():
    s = FrontierSeries(limit=100)
    for i in range(1, 10_001):
        s(i, i % 7)
    assert len(s.points) <= 100 and s.points[0][0] % s.every == 0
    assert [i for i, _ in s.points] == sorted(i for i, _ in s.points)


def test_html_with_standard_input_is_refused(tmp_path, capsys):
    rc = tracecheck_main(["validate", "--mapping", str(ROOT / "examples" / "systems" / "election.toml"), "-",
                          "--html", str(tmp_path / "x.html")])
    assert rc == 2 and "error[TC310]" in capsys.readouterr().err


def test_check_html_writes_the_page(tmp_path):
    out = tmp_path / "e.html"
    rc = pyspec_main(["check", str(ROOT / "specs" / "leader_election.spec"), "-D", "FD=S", "--html", str(out)])
    assert rc == 1
    data = page_data(out.read_text())
    assert [e[1] for e in data["events"]] == ["initial state", "Step(p=0) with out = {}", "Step(p=1) with out = {0}"]
    assert [e[7] for e in data["events"]] == [[], [["out", "{}"]], [["out", "{0}"]]]  # the detector outputs it chose


def test_apalache_itf_without_actions_places_steps_by_the_map_entry_that_changed():
    doc = {"vars": ["leader", "round"], "states": [
        {"#meta": {"index": 0}, "leader": {"#map": [[0, False], [1, False]]}, "round": 0},
        {"#meta": {"index": 1}, "leader": {"#map": [[0, False], [1, True]]}, "round": 0},
        {"#meta": {"index": 2}, "leader": {"#map": [[0, False], [1, True]]}, "round": 1},
    ]}
    tl = timeline_from_itf(doc, title="a", violated="AtMostOne")
    assert [ln.key for ln in tl.lanes] == ["0", "1", "env"]
    assert [(e.label, tl.lanes[e.lane].key) for e in tl.events] == [
        ("initial state", "env"), ("step (action not recorded): leader changed", "1"),
        ("step (action not recorded): round changed", "env")]
    assert tl.events[-1].marks == ("violation",) and tl.selected == 2


def test_demo_pages_script_writes_every_page_the_lasso_with_its_loop(tmp_path, capsys):
    import importlib.util

    spec = importlib.util.spec_from_file_location("demo_pages", ROOT / "examples" / "demo_pages.py")
    assert spec is not None and spec.loader is not None
    demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo)
    assert demo.main([str(tmp_path)]) == 0
    election = page_data((tmp_path / "election-fd-s.html").read_text())
    pause = page_data((tmp_path / "election-pause.html").read_text())
    assert "violation" in election["events"][-1][2] and len(election["lanes"]) == 4
    assert len(pause["events"]) == 53 and len(pause["bands"]) == 1
    duel = page_data((tmp_path / "paxos-duel-lasso.html").read_text())
    assert duel["loop"] == 1 and "loop" in duel["events"][1][2]  # the livelock's loop, from step 1 back
    assert capsys.readouterr().out.count("wrote ") == 3


@pytest.mark.parametrize("text, fragment", [
    ('{"vars":["x"],"states":[{"x":1},{"#meta":{"action":"A","args":[1,2]},"x":2}]}', '"#meta" args must be an object'),
    ('{"vars":["x"],"states":[{"#meta":[],"x":1}]}', '"#meta" must be an object'),
    ("[" * 200000 + "]" * 200000, "nested too deeply"),
    ('{"states":[{"x":' + '{"#set":[' * 450 + "1" + "]}" * 450 + "}]}", "nested more than 64 levels"),
])
def test_view_of_a_malformed_trace_is_PS621_not_an_internal_error(tmp_path, text, fragment):
    """Found in review: these gave AttributeError / RecursionError (exit 70)."""
    from tests.cli_helpers import assert_user_error, run_cli

    (tmp_path / "t.itf.json").write_text(text)
    p = run_cli("pyspec", "view", tmp_path / "t.itf.json", "-o", tmp_path / "t.html")
    assert_user_error(p, "PS621", fragment)


def test_an_unwritable_html_path_is_PS622_before_the_run(tmp_path):
    """Found in review: the check ran in full, printed its verdict, then failed on the page."""
    from tests.cli_helpers import assert_user_error, run_cli

    p = run_cli("pyspec", "check", "specs/leader_election.spec", "-D", "FD=S", "--json", "--html", tmp_path / "no" / "x.html")
    assert_user_error(p, "PS622", "no such directory")
    assert p.stdout.count('"verdict"') == 1 and '"error"' in p.stdout  # no verdict was printed before the error


# ---- what a step chose and changed, what a false invariant reads -----------------------------


def test_a_set_variable_shows_what_the_step_added_and_removed():
    spec = pyspec.loads(MSG_SPEC)
    r = pyspec.check(spec)
    tl = timeline_from_trace(r.trace, spec, title="Ping", verdict="violated", violated="Quiet")
    assert tl.events[1].delta == (("sent", "{{dst: 1, src: 0}}", ""),)
    assert tl.events[2].delta == (("sent", "", "{{dst: 1, src: 0}}"),)
    data = page_data(render_html(tl))
    assert data["events"][2][8] == [["sent", "", "{{dst: 1, src: 0}}"]]


def test_a_violated_invariant_shows_the_values_its_false_conjunct_reads():
    from pyspec.explicit.explain import TraceExplainer

    spec = pyspec.load(str(ROOT / "specs" / "paxos.spec"))
    p = pyspec.prove(spec, "Agreement")
    tl = proof_timeline(p, spec, "h", explainer=TraceExplainer(spec))
    note = tl.events[-1].note
    assert "`len(Chosen) <= 1` (" in note and "paxos.spec:34) is false, reading:" in note
    assert "  len(Chosen) = 2" in note and "  Chosen = {0, 1}" in note and "  msgs = {" in note


def test_the_choices_are_the_engines_path_to_the_next_state():
    from pyspec.explicit.explain import TraceExplainer

    spec = pyspec.load(str(ROOT / "specs" / "paxos.spec"), {"MaxBallot": "1"})
    x = TraceExplainer(spec)
    st = pyspec.check(spec).reachable[0].trace.steps
    (name, value, _), = x.picks(st[1].state, "Phase1b", (("a", 0, None),), st[2].state)
    assert (name, value) == ("m", ("Phase1a", 0))
    assert x.picks(st[1].state, "Phase1b", (("a", 0, None),), st[1].state) == ()  # no path reaches it: nothing shown


def test_view_reads_prove_json_and_standard_input(tmp_path, capsys, monkeypatch):
    import io

    p = tmp_path / "proof.json"
    assert pyspec_main(["prove", str(ROOT / "specs" / "paxos.spec"), "--invariant", "Agreement", "--json"]) == 4
    p.write_text(capsys.readouterr().out)
    assert pyspec_main(["view", str(p), "-o", str(tmp_path / "p.html")]) == 0
    data = page_data((tmp_path / "p.html").read_text())
    assert data["verdict"] == "not inductive" and data["events"][0][1] == "pre-state (satisfies the invariant)"
    assert "violation" in data["events"][-1][2]
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(QUINT)))
    assert pyspec_main(["view", "-", "-o", str(tmp_path / "q.html")]) == 0
    assert "3 states on 3 lanes written to" in capsys.readouterr().out
    assert "pyspec view (standard input)" in (tmp_path / "q.html").read_text()


def test_html_says_where_it_wrote_the_page(tmp_path, capsys):
    out = tmp_path / "e.html"
    assert pyspec_main(["check", str(ROOT / "specs" / "leader_election.spec"), "-D", "FD=S", "--html", str(out)]) == 1
    assert capsys.readouterr().err == f"wrote the timeline to {out}\n"


def test_diverging_log_page_shows_the_candidate_states_and_says_it_wrote_the_page(tmp_path, capsys):
    d = ROOT / "examples" / "docs" / "systems" / "paxos-bug-forget-promise"
    out = tmp_path / "px.html"
    rc = tracecheck_main(["validate", "--mapping", str(ROOT / "examples" / "systems" / "paxos.toml"), "--invariant", "Agreement",
                          *map(str, sorted(d.glob("*.jsonl"))), "--html", str(out)])
    assert rc == 1 and capsys.readouterr().err.endswith(f"wrote the timeline to {out}\n")
    data = page_data(out.read_text())
    e = data["events"][data["selected"]]
    assert "divergence" in e[2] and e[1] == "Phase2b(a=0, b=0, v=0)"
    (caption, rows), = e[9]
    assert caption.startswith("candidate state 1 before the record")
    assert dict(rows)["maxBal"] == "{0: 1, 1: 1, 2: 1}" and [n for n, _ in rows] == ["maxBal", "maxVBal", "maxVal", "msgs"]
    assert "invariants Agreement: true after every record explained (up to the divergence or the stop)" in out.read_text()


def test_an_excerpt_starting_at_a_blank_line_keeps_the_files_line_numbers():
    import html as html_mod

    from pyspec.report.timeline import Excerpt, Timeline

    x = Excerpt("invariant Small (s.spec:28)", "s.spec", 27, "\ninvariant Small:\n    x <= 1\n", (28, 29))
    html = render_html(Timeline("t", "violated", (), (), (), excerpts=(x,)))
    marked = re.findall(r'<span class="hll">(.*?)</span>\n', html)
    assert [html_mod.unescape(re.sub(r"<[^>]+>", "", m)) for m in marked] == ["28invariant Small:", "29    x <= 1"]


def test_view_of_standard_input_that_is_not_json_is_PS621(tmp_path):
    import subprocess
    import sys

    p = subprocess.run([sys.executable, "-m", "pyspec.cli", "view", "-", "-o", str(tmp_path / "x.html")], input="nope\n",
                       capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert p.returncode == 2 and "error[PS621]: standard input is not JSON: Expecting value at line 1, column 1" in p.stderr
    assert "Traceback" not in p.stderr and not (tmp_path / "x.html").exists()


def test_messages_through_a_sequence_channel_are_arrows_from_the_append_to_the_take():
    src = (ROOT / "specs" / "fifo_channel.spec").read_text()
    spec = pyspec.loads(src.replace("invariant NothingLost: len(delivered) + len(chan) == next",
                                    "invariant NothingLost: len(delivered) < 2"))
    r = pyspec.check(spec)
    assert r.violated == "NothingLost"
    tl = timeline_from_trace(r.trace, spec, title="Fifo", verdict="violated", violated="NothingLost")
    labels = [e.label for e in tl.events]
    assert labels == ["initial state", "Send()", "Send()", "Receive()", "Receive()"]
    assert [(a.source, a.target, a.label) for a in tl.arrows] == [(1, 3, "chan: 0"), (2, 4, "chan: 1")]  # FIFO


def test_lexer_knows_temporal_properties_and_fairness():
    kinds = {v: str(t) for t, v in PyspecLexer().get_tokens(
        "temporal Live: always eventually x == 1\nfair weak Step(p) unless p in crashed\n")}
    assert kinds["temporal"] == "Token.Keyword.Declaration" and kinds["Live"] == "Token.Name.Function"
    assert kinds["always"] == kinds["eventually"] == "Token.Operator.Word"
    assert kinds["fair"] == kinds["weak"] == kinds["unless"] == "Token.Keyword"


BAG_NET = """spec BagNet
type Msg = 0 .. 1
var net: bag[Msg, 2]
var got: 0 .. 3
init:
    net = bag()
    got = 0
action Send(m: Msg):
    require count(net, m) < 2 and got == 0
    net' = add(net, m)
action Receive(m: Msg):
    require m in net and got < 3
    net' = remove(net, m)
    got' = got + 1
invariant FewDelivered: got < 3
"""


def test_messages_through_a_bag_are_arrows_from_each_copy_s_send_to_its_receive():
    spec = pyspec.loads(BAG_NET)
    r = pyspec.check(spec)
    assert r.violated == "FewDelivered"
    tl = timeline_from_trace(r.trace, spec, title="Bag", verdict="violated", violated="FewDelivered")
    assert [e.label for e in tl.events] == ["initial state", "Send(m=0)", "Send(m=0)", "Send(m=1)",
                                             "Receive(m=0)", "Receive(m=0)", "Receive(m=1)"]
    # each copy taken out is an arrow from the send that put it in, the oldest copy first
    assert [(a.source, a.target, a.label) for a in tl.arrows] == [(1, 4, "net: 0"), (2, 5, "net: 0"), (3, 6, "net: 1")]
