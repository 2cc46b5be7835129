"""Fixtures for the real-system scenarios: skip when a system is not installed, and check that
a scenario leaves no process and no listening port behind."""

from __future__ import annotations

import os
import shutil
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from examples.realsystems import proc  # noqa: E402


def _zookeeper_missing() -> str | None:
    from examples.realsystems.postgres import pg_bin
    from examples.realsystems.zookeeper.server import classpath
    if shutil.which("java") is None:
        return "java is not installed"
    try:
        classpath()
        pg_bin()
    except FileNotFoundError as e:
        return str(e)
    return None


@pytest.fixture
def zookeeper_run(tmp_path):
    """Run the ZooKeeper scenario (the test calls it with fenced=True/False); afterwards every
    pid it started must be gone and every server port closed."""
    missing = _zookeeper_missing()
    if missing:
        pytest.skip(missing)
    from examples.realsystems.zookeeper import scenario
    runs = []

    def go(fenced: bool, pause: bool = True):
        out = str(tmp_path / (("fenced" if fenced else "unfenced") + ("" if pause else "-no-pause")))
        r = scenario.Run(out)
        runs.append(r)   # before it runs: checked below even when the scenario raises
        return scenario.run(out, fenced, result=r, pause=pause)

    yield go
    for r in runs:
        left = {name: pid for name, pid in r.pids.items() if proc.alive(pid)}
        listening = {name: port for name, port in r.ports.items() if proc.port_open(port)}
        assert not left, f"processes left running: {left}"
        assert not listening, f"ports still listening: {listening}"


@pytest.fixture
def raft_run(tmp_path):
    """Run the Raft scenario (the test calls it, with scenario.run's keywords); afterwards every
    node's pid must be gone and every node's port closed, whether the run passed or failed."""
    from examples.realsystems.raft import scenario
    pids: list[int] = []
    ports: list[int] = []
    yield lambda **kw: scenario.run(str(tmp_path), pids=pids, ports=ports, **kw)
    assert pids and ports, "the scenario started nothing"
    left = [pid for pid in pids if proc.alive(pid)]
    listening = [port for port in ports if proc.port_open(port)]
    assert not left, f"nodes left running: {left}"
    assert not listening, f"ports still listening: {listening}"


@pytest.fixture(scope="module")
def zookeeper_server(tmp_path_factory):
    """One standalone ZooKeeper for a test module, started by pid (examples/realsystems/
    zookeeper/server.py); afterwards its pid must be gone and its port closed. Skips when
    java or the Debian package's jars are missing (no PostgreSQL needed)."""
    from examples.realsystems.zookeeper.server import ZooKeeper, classpath
    if shutil.which("java") is None:
        pytest.skip("java is not installed")
    try:
        classpath()
    except FileNotFoundError as e:
        pytest.skip(str(e))
    zk = ZooKeeper(str(tmp_path_factory.mktemp("zookeeper"))).start()
    try:
        yield zk
    finally:
        zk.stop()
        assert not proc.alive(zk.pid), f"ZooKeeper (pid {zk.pid}) still running"
        assert not proc.port_open(zk.port), f"ZooKeeper's port {zk.port} still open"
