"""The timeline pages in a real browser (Debian's chromium, headless): the lanes drawn, the
violating step or diverging record marked, a selected step's state shown (by click and by
keyboard), nothing on the console. A screenshot of each page goes to test-artifacts/; with
PYSPEC_UPDATE_SCREENSHOTS=1 the README's two screenshots under docs/img/ are refreshed too."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from pyspec.cli import main as pyspec_main
from pyspec.report.timeline import Event, Lane, Timeline
from pyspec.report.timeline_html import render_html
from tracecheck.cli import main as tracecheck_main

ROOT = Path(__file__).resolve().parents[2]
DOC_SHOTS = {"election-fd-s": "timeline-election-fd-s.png", "election-pause": "timeline-election-pause.png"}


def _samples():
    """tests/report/test_timeline.py, for its sample spec and Quint trace (loaded by path, as
    pytest imports test files without packages)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("timeline_samples", ROOT / "tests" / "report" / "test_timeline.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("pages")
    out = {name: d / f"{name}.html" for name in ("election-fd-s", "election-pause", "diverging", "ping", "quint", "big",
                                                 "holds", "duel", "paxos-log")}
    assert pyspec_main(["check", str(ROOT / "specs" / "leader_election.spec"), "-D", "FD=P", "--html", str(out["holds"])]) == 0
    # relative paths, as a user types them (the page shows them; the screenshots go in the README)
    assert pyspec_main(["check", os.path.relpath(ROOT / "specs" / "leader_election.spec"), "-D", "FD=S", "--html",
                        str(out["election-fd-s"])]) == 1
    pause = sorted((ROOT / "examples" / "docs" / "systems" / "election-pause").glob("*.jsonl"))
    assert tracecheck_main(["validate", "--mapping", os.path.relpath(ROOT / "examples" / "systems" / "election.toml"),
                            "--invariants", *map(os.path.relpath, pause), "--html", str(out["election-pause"])]) == 0
    tc = ROOT / "examples" / "tracecheck"
    diverging = sorted((tc / "sample-diverging").glob("*.jsonl"))
    assert tracecheck_main(["validate", "--mapping", str(tc / "leader_election.toml"), *map(str, diverging),
                            "--html", str(out["diverging"])]) == 1
    assert pyspec_main(["check", os.path.relpath(ROOT / "specs" / "paxos_oracle.spec"), "-D", "ORACLE=duel", "-D", "Chaos=false",
                        "-D", "MaxBallot=3", "--invariant", "ChosenSoonAfterGST", "--html", str(out["duel"])]) == 1
    forget = sorted((ROOT / "examples" / "docs" / "systems" / "paxos-bug-forget-promise").glob("*.jsonl"))
    assert tracecheck_main(["validate", "--mapping", os.path.relpath(ROOT / "examples" / "systems" / "paxos.toml"),
                            "--invariant", "Agreement", *map(os.path.relpath, forget), "--html", str(out["paxos-log"])]) == 1
    samples = _samples()
    MSG_SPEC, QUINT = samples.MSG_SPEC, samples.QUINT
    (d / "ping.spec").write_text(MSG_SPEC)
    assert pyspec_main(["check", str(d / "ping.spec"), "--html", str(out["ping"])]) == 1
    (d / "quint.itf.json").write_text(json.dumps(QUINT))
    assert pyspec_main(["view", str(d / "quint.itf.json"), "-o", str(out["quint"])]) == 0
    lanes = tuple(Lane(str(i), f"node {i}") for i in range(4))
    events = tuple(Event(i % 4, f"Step(p={i % 4})", (("seq", str(i)),)) for i in range(10_000))
    out["big"].write_text(render_html(Timeline("big", "conforms", (), lanes, events, number_from=1)))
    return out


@pytest.fixture
def shot(artifacts):
    def take(opened, name: str) -> None:
        path = artifacts / f"{name}.png"
        opened.page.screenshot(path=str(path))
        assert path.stat().st_size > 1000
        if name in DOC_SHOTS and os.environ.get("PYSPEC_UPDATE_SCREENSHOTS") == "1":
            shutil.copyfile(path, ROOT / "docs" / "img" / DOC_SHOTS[name])

    return take


def selection_title(page) -> str:
    return page.locator("#selection h2").inner_text()


def test_election_counterexample(pages, open_page, shot):
    o = open_page(pages["election-fd-s"])
    page = o.page
    assert page.locator(".lane-head").all_inner_texts() == ["Proc 0", "Proc 1", "Proc 2", "env"]
    bad = page.locator(".event.violation")
    assert bad.count() == 1 and bad.inner_text() == "Step(p=1) with out = {0}" and bad.is_visible()
    # the violating step is selected on opening, with the invariant named and what it reads
    assert selection_title(page) == "2: Step(p=1) with out = {0}"
    assert "{p for p in Live if leader[p]} = {0, 1}" in page.locator("#selection .note").inner_text()
    assert page.locator('#selection table.picks tr[data-pick="out"] td').inner_text() == "{0}"
    assert "invariant AtMostOneLeader is false" in page.locator("#selection .note").inner_text()
    assert page.locator("#source .hll").count() >= 1  # the invariant's source, marked
    shot(o, "election-fd-s")
    # click: the state after Step(p=0), with the changed variable marked
    page.locator('.event[data-i="1"]').click()
    assert selection_title(page) == "1: Step(p=0) with out = {}"
    rows = page.locator("#selection table.state:not(.picks) tr")
    assert rows.count() == 6
    assert page.locator("#selection tr.changed th").all_inner_texts() == ["leader"]
    assert "{0: True, 1: False, 2: False}" in page.locator('#selection tr[data-var="leader"] td').inner_text()
    assert page.locator(".event.selected").inner_text() == "Step(p=0) with out = {}"
    # keyboard
    page.keyboard.press("ArrowDown")
    assert selection_title(page) == "2: Step(p=1) with out = {0}"
    page.keyboard.press("k")
    page.keyboard.press("ArrowUp")
    assert selection_title(page) == "0: initial state"
    page.keyboard.press("End")
    assert selection_title(page) == "2: Step(p=1) with out = {0}"
    assert o.problems == []


def test_paused_leader_log(pages, open_page, shot):
    o = open_page(pages["election-pause"])
    page = o.page
    assert page.locator(".lane-head").all_inner_texts() == ["node 0", "node 1", "node 2", "storage"]
    band = page.locator(".band")
    assert band.count() == 1 and "AtMostOneActingLeader false (definitely)" in band.inner_text()
    # opened at the span's first record (record 24: node 1's first act as leader)
    assert selection_title(page) == "24: Lead(p=1)"
    assert "node-1.jsonl:3" in page.locator("#selection pre.raw").inner_text()
    assert "frontier (candidate states): 3" in page.locator("#selection .where").first.inner_text()
    assert page.locator("#overview svg polyline").count() == 1
    shot(o, "election-pause")
    page.locator('.event[data-i="20"]').click()
    assert selection_title(page) == "21: Lead(p=0)"
    assert page.locator('#selection tr[data-var="event"] td').inner_text() == "lead"
    page.keyboard.press("j")
    assert selection_title(page).startswith("22: ")
    assert o.problems == []


def test_diverging_log(pages, open_page, shot):
    o = open_page(pages["diverging"])
    page = o.page
    assert page.locator(".lane-head").count() == 4
    bad = page.locator(".event.divergence")
    assert bad.count() == 1 and bad.get_attribute("data-i") == "6"
    note = page.locator("#selection .note").inner_text()
    assert "DIVERGES at record 7" in note and "suspects[node] == out" in note
    assert "suspects[node] == out" in page.locator("#source .hll").first.inner_text()
    shot(o, "diverging")
    page.locator('.event[data-i="0"]').click()
    assert selection_title(page) == "1: Step(p=0)"
    assert page.locator("#selection .note").count() == 0
    assert o.problems == []


def test_messages_are_drawn_as_arrows(pages, open_page, shot):
    o = open_page(pages["ping"])
    page = o.page
    assert page.locator(".lane-head").count() == 3
    assert page.locator("#arrows path[marker-end]").count() == 1
    assert "sent: {dst: 1, src: 0}" in page.locator("#arrows path title").first.text_content()
    shot(o, "ping")
    assert o.problems == []


def test_quint_trace_with_a_loop(pages, open_page, shot):
    o = open_page(pages["quint"])
    page = o.page
    assert page.locator(".lane-head").all_inner_texts() == ["n1", "n2", "env"]
    assert page.locator("#arrows path.loop").count() == 1
    assert page.locator(".event.loop").count() == 1
    shot(o, "quint")
    assert o.problems == []


def test_a_long_log_draws_only_the_rows_in_view(pages, open_page, shot):
    o = open_page(pages["big"])
    page = o.page
    drawn = page.locator(".event").count()
    assert 0 < drawn < 300  # of 10,000
    page.locator("#chart").focus()
    page.keyboard.press("End")
    assert selection_title(page) == "10000: Step(p=3)"
    assert page.locator('.event[data-i="9999"]').is_visible()
    page.keyboard.press("PageUp")
    assert selection_title(page) == "9980: Step(p=3)"
    shot(o, "big")
    assert o.problems == []


def test_a_holding_result_shows_the_search_and_a_witness(pages, open_page, shot):
    o = open_page(pages["holds"])
    page = o.page
    assert page.locator(".verdict").inner_text() == "HOLDS"
    summary = page.locator(".summary").inner_text()
    assert "distinct states" in summary and "reachable LeaderElected: first reached at depth 1" in summary
    assert page.locator(".event.witness").count() == 1
    assert "reachable LeaderElected is true in this state" in page.locator("#selection .note").inner_text()
    shot(o, "holds")
    assert o.problems == []


def not_cut(page, selector: str) -> list[str]:
    """The texts of the elements matching `selector` whose content is wider than their box, or
    that end past the right edge of the scrolling chart's content."""
    return page.eval_on_selector_all(selector, """(els) => els.filter((el) => {
        const chart = document.getElementById("chart");
        return el.scrollWidth > el.clientWidth + 1 || (chart.contains(el) && el.offsetLeft + el.offsetWidth > chart.scrollWidth);
    }).map((el) => el.textContent)""")


def test_dueling_leaders_on_their_ballot_lanes_with_message_arrows(pages, open_page, shot):
    o = open_page(pages["duel"])
    page = o.page
    assert page.locator(".lane-head").all_inner_texts() == [
        "Acceptor 0", "Acceptor 1", "Acceptor 2", "Ballot 0", "Ballot 1", "Ballot 2", "Ballot 3", "env"]
    assert not_cut(page, ".event") == [] and not_cut(page, ".lane-head") == []
    chart = page.locator("#chart").bounding_box()
    env = page.locator(".lane-head").last.bounding_box()
    assert chart is not None and env is not None and env["x"] + env["width"] <= chart["x"] + chart["width"]  # the last lane fits
    assert page.locator("#arrows path[marker-end]").count() == 3
    assert selection_title(page) == "8: Phase1b(a=2) with m = Phase1a(bal=3)"
    assert "msgs' " not in page.locator("#selection").inner_text()
    assert page.locator('#selection tr[data-var="msgs"] .added').inner_text() == "+ {Phase1b(acc=2, bal=3, mbal=-1, mval=-1)}"
    assert not_cut(page, "#source .src pre") == []  # source lines wrap, none cut at the right
    shot(o, "duel")
    assert o.problems == []


def test_diverging_six_node_log_shows_the_candidate_state(pages, open_page, shot):
    o = open_page(pages["paxos-log"])
    page = o.page
    assert page.locator(".lane-head").count() == 6
    assert not_cut(page, ".event") == [] and not_cut(page, ".lane-head") == []
    assert selection_title(page) == "22: Phase2b(a=0, b=0, v=0)"
    assert "candidate state 1 before the record" in page.locator("#selection table.extra caption").inner_text()
    assert page.locator('#selection table.extra tr[data-var="maxBal"] td').inner_text() == "{0: 1, 1: 1, 2: 1}"
    shot(o, "paxos-log")
    assert o.problems == []
