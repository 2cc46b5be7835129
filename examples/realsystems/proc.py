"""Process helpers for the real-system scenarios: a free TCP port on 127.0.0.1, start a server
or client as its own process group with its output in a file, stop it by pid, and a bounded wait.

The API is small and stable (other scenarios import it):

    port = free_port()
    p = start([...argv...], "/tmp/run/zk.out", env=None)    # -> subprocess.Popen
    wait_until(lambda: port_open(port), 20, "ZooKeeper listening")
    stop(p)                                                 # SIGCONT, SIGTERM, SIGKILL; waits
    assert not alive(p.pid)
"""

from __future__ import annotations

import json
import os
import pwd
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

HOST = "127.0.0.1"
T = TypeVar("T")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (the OS picked it for a bound socket
    that is closed before returning; a server started right after can take it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def port_open(port: int, host: str = HOST) -> bool:
    """Does something accept TCP connections on host:port?"""
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False


def start(argv: Sequence[str], log_path: str, env: Mapping[str, str] | None = None,
          cwd: str | None = None, user: str | None = None) -> subprocess.Popen:
    """Start argv in a new session (its own process group, so stop() reaches its children),
    stdout and stderr appended to log_path. `env` is added to this process's environment;
    `user` runs it as that user (the pid is the program's own, not a wrapper's like runuser)."""
    group = pwd.getpwnam(user).pw_gid if user is not None else None
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    with open(log_path, "ab") as out:
        return subprocess.Popen(list(argv), stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                env=full_env, cwd=cwd, start_new_session=True,
                                user=user, group=group, extra_groups=[] if user else None)


def signal_group(proc: subprocess.Popen, sig: int) -> None:
    """Send sig to proc's process group (its session, from start()); a gone group is fine."""
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def stop(proc: subprocess.Popen, timeout: float = 5.0, sig: int = signal.SIGTERM) -> int | None:
    """Stop proc's process group: SIGCONT (a stopped process cannot act on SIGTERM), `sig`,
    wait up to `timeout` s, then SIGKILL and wait. Returns the exit status (None only if the
    process survived SIGKILL for 5 s, which the caller should treat as a leak)."""
    if proc.poll() is None:
        signal_group(proc, signal.SIGCONT)
        signal_group(proc, sig)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
    signal_group(proc, signal.SIGKILL)   # children left in the group, if any
    try:
        return proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        return None


def alive(pid: int) -> bool:
    """Is pid a live (not zombie) process?"""
    try:
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def wait_until(pred: Callable[[], T], timeout: float, what: str, interval: float = 0.02) -> T:
    """Poll pred until it returns something truthy (returned) or `timeout` s pass
    (TimeoutError naming `what`)."""
    deadline = time.monotonic() + timeout
    while True:
        value = pred()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


def read_jsonl(path: str) -> list[dict]:
    """The complete lines of a JSON-lines log (a line still being written is left out; a log
    not yet created is empty)."""
    try:
        with open(path) as f:
            return [json.loads(line) for line in f if line.endswith("\n")]
    except FileNotFoundError:
        return []
