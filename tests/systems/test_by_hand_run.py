"""The example systems run by hand as docs/systems.md shows (no launcher): each program creates
the directory of its `--log` file, so the first command of a run in a new directory works."""

from __future__ import annotations

import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SYSTEMS = os.path.join(ROOT, "examples", "systems")


def test_a_program_started_by_hand_creates_its_log_directory(tmp_path):
    log = tmp_path / "new" / "dir" / "storage.jsonl"
    proc = subprocess.run(
        [sys.executable, os.path.join(SYSTEMS, "storage.py"), "--port", "0", "--log", str(log), "--duration", "0.2"],
        cwd=ROOT, capture_output=True, text=True, timeout=30, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert log.exists()
    for line in log.read_text().splitlines():
        assert json.loads(line)["node"] == "storage"
