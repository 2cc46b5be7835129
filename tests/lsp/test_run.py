"""A check in a worker process (pyspec/lsp/run.py): its outcome read from `pyspec check --json`."""

from __future__ import annotations

import asyncio
import pathlib

from pyspec.lsp import run

SPECS = pathlib.Path(__file__).resolve().parents[2] / "specs"


def test_a_document_that_does_not_check_is_an_error_with_the_checker_s_message(tmp_path):
    path = SPECS / "lease_lock.spec"
    text = path.read_text().replace("holder' = c", "holdr' = c")
    out = asyncio.run(run.check(text, str(path), str(tmp_path)))
    assert out.verdict == "error" and out.exit_code == 2 and out.page is None
    assert out.error is not None and "error[PS204]" in out.error and str(path) in out.error


def test_a_holding_invariant_names_no_steps_and_writes_a_page(tmp_path):
    path = SPECS / "leader_election.spec"
    out = asyncio.run(run.check(path.read_text(), str(path), str(tmp_path), invariant="AtMostOneLeader"))
    assert (out.verdict, out.exit_code, out.violated, out.steps) == ("holds", 0, None, ())
