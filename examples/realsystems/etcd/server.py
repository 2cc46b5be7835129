"""One etcd member (the Debian package's /usr/bin/etcd, v3.4) for the real-system scenarios: its
own data directory, client and peer URLs on free ports of 127.0.0.1, started and stopped by pid.
The packaged service is never used.

    with Etcd("/tmp/run") as etcd:           # or etcd = Etcd(dir); etcd.start(); ...; etcd.stop()
        etcd.url                             # http://127.0.0.1:PORT, the v3 API and its JSON gateway
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import urllib.request

from examples.realsystems import proc

ETCD = "/usr/bin/etcd"


class Etcd:
    def __init__(self, log_dir: str, name: str = "etcd") -> None:
        self.log_dir = log_dir
        self.name = name
        self.dir = ""
        self.port = 0
        self.peer_port = 0
        self.proc: subprocess.Popen | None = None

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    @property
    def url(self) -> str:
        return f"http://{proc.HOST}:{self.port}"

    def version(self) -> dict | None:
        """The server's /version answer, or None while it does not answer."""
        try:
            with urllib.request.urlopen(self.url + "/version", timeout=0.5) as r:
                return json.loads(r.read())
        except (OSError, ValueError):
            return None

    def start(self, timeout: float = 30.0) -> "Etcd":
        if not os.path.exists(ETCD):
            raise FileNotFoundError(f"{ETCD} not found (apt-get install etcd-server)")
        self.dir = tempfile.mkdtemp(prefix="pyspec-etcd-")
        self.port, self.peer_port = proc.free_port(), proc.free_port()
        while self.peer_port == self.port:
            self.peer_port = proc.free_port()
        client_url, peer_url = f"http://{proc.HOST}:{self.port}", f"http://{proc.HOST}:{self.peer_port}"
        argv = [ETCD, "--name", self.name, "--data-dir", os.path.join(self.dir, "data"),
                "--listen-client-urls", client_url, "--advertise-client-urls", client_url,
                "--listen-peer-urls", peer_url, "--initial-advertise-peer-urls", peer_url,
                "--initial-cluster", f"{self.name}={peer_url}", "--initial-cluster-state", "new",
                "--listen-metrics-urls", "", "--log-level", "warn", "--logger", "zap",
                # a small quota: etcd 3.4 then maps quota + 10% for its database instead of 10 GB,
                # which a machine short of free memory refuses ("cannot allocate memory")
                "--quota-backend-bytes", str(64 << 20)]
        # The packaged etcd reads ETCD_* variables; none of the caller's may leak in.
        env = {k: "" for k in os.environ if k.startswith("ETCD_")}
        self.proc = proc.start(argv, os.path.join(self.log_dir, "etcd.out"), env=env or None)
        try:
            proc.wait_until(lambda: self.proc.poll() is not None or self.version(), timeout,
                            f"etcd on {client_url} (see {self.log_dir}/etcd.out)")
            if self.proc.poll() is not None:
                raise RuntimeError(f"etcd exited with {self.proc.returncode}; see {self.log_dir}/etcd.out")
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """SIGTERM (SIGKILL after 10 s) by pid; then remove the data directory."""
        if self.proc is not None:
            proc.stop(self.proc, timeout=10)
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = ""

    def __enter__(self) -> "Etcd":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
