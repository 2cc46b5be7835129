"""A standalone Apache ZooKeeper server for the scenarios: the Debian package's jars run as
`java ... org.apache.zookeeper.server.ZooKeeperServerMain zoo.cfg` (so the pid is the JVM's),
on 127.0.0.1 on a free port, with a fresh data directory and a short tick time, stopped by pid.
The packaged service (and /etc/zookeeper) is never used.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess

from examples.realsystems import proc

JARS = ("zookeeper.jar", "zookeeper-jute.jar", "slf4j-api.jar", "slf4j-simple.jar", "netty-all.jar",
        "metrics-core.jar", "commons-cli.jar", "snappy-java.jar")
JAR_DIRS = ("/usr/share/java", "/usr/share/zookeeper/lib", "/usr/share/zookeeper")


def classpath() -> str:
    """The ZooKeeper server's jars from the Debian package (FileNotFoundError naming the
    package when zookeeper.jar is missing)."""
    found = []
    for jar in JARS:
        for d in JAR_DIRS:
            if os.path.exists(os.path.join(d, jar)):
                found.append(os.path.join(d, jar))
                break
        else:
            if jar.startswith("zookeeper"):
                raise FileNotFoundError(f"{jar} not found in {', '.join(JAR_DIRS)} (apt-get install zookeeper)")
    return ":".join(found)


def four_letter(port: int, word: str = "ruok") -> str:
    """Send a four-letter command; returns the answer ('' when the server does not answer)."""
    try:
        with socket.create_connection((proc.HOST, port), timeout=1) as s:
            s.sendall(word.encode())
            s.shutdown(socket.SHUT_WR)
            chunks = []
            while chunk := s.recv(4096):
                chunks.append(chunk)
            return b"".join(chunks).decode(errors="replace")
    except OSError:
        return ""


class ZooKeeper:
    """One standalone server in `workdir` (zoo.cfg, data/, zookeeper.out). With tick_ms = 200
    the server grants session timeouts from 2 to 20 ticks (0.4-4 s)."""

    def __init__(self, workdir: str, tick_ms: int = 200) -> None:
        self.workdir = workdir
        self.tick_ms = tick_ms
        self.port = 0
        self.proc: subprocess.Popen | None = None

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    @property
    def hosts(self) -> str:
        return f"{proc.HOST}:{self.port}"

    def start(self, timeout: float = 30.0) -> "ZooKeeper":
        """Write zoo.cfg, start the JVM, return once it serves requests (`srvr` says standalone)
        (TimeoutError, after stopping it, if it does not within `timeout` s)."""
        data = os.path.join(self.workdir, "data")
        shutil.rmtree(data, ignore_errors=True)
        os.makedirs(data)
        self.port = proc.free_port()
        cfg = os.path.join(self.workdir, "zoo.cfg")
        with open(cfg, "w") as f:
            f.write(f"tickTime={self.tick_ms}\ndataDir={data}\nclientPort={self.port}\n"
                    f"clientPortAddress={proc.HOST}\nadmin.enableServer=false\n"
                    "4lw.commands.whitelist=ruok,srvr\n")
        log = os.path.join(self.workdir, "zookeeper.out")
        self.proc = proc.start(["java", "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                                "-Dzookeeper.jmx.log4j.disable=true", "-cp", classpath(),
                                "org.apache.zookeeper.server.ZooKeeperServerMain", cfg], log)
        try:
            proc.wait_until(lambda: self.proc.poll() is not None or "Mode: standalone" in four_letter(self.port, "srvr"),
                            timeout, f"ZooKeeper on {self.hosts} (see {log})", interval=0.1)
            if self.proc.poll() is not None:
                raise RuntimeError(f"ZooKeeper exited with {self.proc.returncode}; see {log}")
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self.proc is not None:
            proc.stop(self.proc, timeout=10)

    def __enter__(self) -> "ZooKeeper":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
