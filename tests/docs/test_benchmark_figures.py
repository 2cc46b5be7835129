"""docs/performance.md's measured figures are written by the benchmarks that measured them
(`--update-docs`, benchmarks/docs_figures.py), each block dated and saying its command and
machine; nothing here runs a benchmark or looks at a timing."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from benchmarks.docs_figures import Figures, begin_marker, end_marker, load_note, replace_block  # noqa: E402

PAGE = (ROOT / "docs/performance.md").read_text(encoding="utf-8")
WRITERS = ("benchmarks/explore.py", "benchmarks/explore.py --large", "benchmarks/bmc.py", "benchmarks/synth.py",
           "benchmarks/timeline_render.py", "benchmarks/tracecheck.py", "benchmarks/liveness.py",
           "benchmarks/symmetry.py", "benchmarks/cluster.py")


@pytest.mark.parametrize("name", WRITERS)
def test_performance_page_holds_a_dated_block_written_by_each_benchmark(name: str):
    block = re.search(re.escape(begin_marker(name)) + r"\n(.*?)\n" + re.escape(end_marker(name)), PAGE, re.S)
    assert block, f"docs/performance.md has no figures block of {name}"
    head = block.group(1).split("\n")[0]
    script = name.split()[0]
    assert re.match(rf"Measured \d{{4}}-\d\d-\d\d \d\d:\d\d UTC by `\S*python \S*{re.escape(script)}[^`]*--update-docs[^`]*`; ",
                    head), head
    assert "cores" in head and "load average" in head, head
    assert "\n```\n" in block.group(1), "the figures are a code block"


def test_a_benchmark_replaces_only_its_own_block(tmp_path):
    doc = tmp_path / "performance.md"
    doc.write_text("\n".join(["# P", begin_marker("b/x.py"), "old", end_marker("b/x.py"), "",
                              begin_marker("b/y.py"), "other", end_marker("b/y.py"), "end"]))
    fig = Figures("b/x.py")
    fig.emit("depth  seconds")
    fig.emit("    6     1.00")
    fig.write(str(doc), command=".venv/bin/python b/x.py --update-docs")
    text = doc.read_text()
    assert "old" not in text and "other" in text and text.endswith("end")
    assert "`.venv/bin/python b/x.py --update-docs`" in text
    assert "```\ndepth  seconds\n    6     1.00\n```\n" + end_marker("b/x.py") in text


def test_a_page_without_the_markers_is_refused():
    with pytest.raises(ValueError, match="expected one pair"):
        replace_block("# P\nno markers here\n", "b/x.py", "figures")
    twice = "\n".join([begin_marker("b/x.py"), end_marker("b/x.py")] * 2)
    with pytest.raises(ValueError, match="expected one pair"):
        replace_block(twice, "b/x.py", "figures")


def test_the_machine_note_says_when_other_jobs_shared_the_machine():
    assert "shared with other jobs" in load_note(3.5, 2.0, cores=2)
    assert "otherwise idle" in load_note(0.2, 0.9, cores=2)
