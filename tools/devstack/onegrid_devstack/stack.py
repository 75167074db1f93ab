"""Processes of a local OneGrid: a Kafka broker (infra/kafka/kafka.sh) and one uvicorn per service."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

SERVICES = {"intake": 8001, "dispatch": 8002, "mediation": 8003, "notify": 8004}


def repo_root() -> Path:
    return Path(__file__).resolve().parents[3]


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as s:
        s.settimeout(0.3)
        return s.connect_ex((host, port)) == 0


class Kafka:
    """A single-node KRaft broker started from Maven Central's jars, or an existing cluster."""

    def __init__(self, data_dir: Path, port: int = 9092) -> None:
        self.data_dir = data_dir
        self.port = port
        self.started = False
        self.bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "")

    def start(self) -> str:
        if self.bootstrap:
            return self.bootstrap
        if port_open(self.port):
            raise SystemExit(f"port {self.port} is taken: stop what runs there, or set KAFKA_BOOTSTRAP_SERVERS")
        subprocess.run([str(repo_root() / "infra/kafka/kafka.sh"), "start", str(self.data_dir), str(self.port)], check=True)
        self.started = True
        self.bootstrap = f"127.0.0.1:{self.port}"
        return self.bootstrap

    def stop(self) -> None:
        if self.started:
            subprocess.run([str(repo_root() / "infra/kafka/kafka.sh"), "stop", str(self.data_dir)], check=False)
            self.started = False


@dataclass
class Stack:
    """The four services as uvicorn processes sharing one environment."""

    env: dict[str, str]
    log_dir: Path
    ports: dict[str, int] = field(default_factory=lambda: dict(SERVICES))
    workers: int = 1
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    def start(self, only: list[str] | None = None) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for name in only or list(self.ports):
            if port_open(self.ports[name]):
                raise SystemExit(f"port {self.ports[name]} for {name} is taken")
            log = open(self.log_dir / f"{name}.log", "ab")
            self.processes[name] = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", f"{name}.main:app", "--host", "127.0.0.1",
                 "--port", str(self.ports[name]), "--workers", str(self.workers), "--no-access-log"],
                env={**os.environ, **self.env}, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )

    def wait_ready(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        pending = set(self.processes)
        while pending:
            for name in list(pending):
                proc = self.processes[name]
                if proc.poll() is not None:
                    raise RuntimeError(f"{name} exited with {proc.returncode}:\n{self.log_tail(name)}")
                try:
                    if httpx.get(f"{self.url(name)}/readyz", timeout=5).status_code == 200:
                        pending.discard(name)
                except httpx.HTTPError:
                    pass
            if pending and time.monotonic() > deadline:
                raise RuntimeError(f"not ready after {timeout}s: {sorted(pending)}\n" +
                                   "\n".join(self.log_tail(n) for n in pending))
            time.sleep(0.3)

    def stop(self, only: list[str] | None = None, sig: int = signal.SIGTERM) -> None:
        for name in only or list(self.processes):
            proc = self.processes.pop(name, None)
            if proc is None or proc.poll() is not None:
                continue
            os.killpg(proc.pid, sig)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()

    def log_tail(self, name: str, lines: int = 40) -> str:
        path = self.log_dir / f"{name}.log"
        if not path.exists():
            return f"--- {name}: no log"
        return f"--- {name} log ---\n" + "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def stack_env(
    *, bootstrap: str, topic_prefix: str, database_urls: dict[str, str], seed_dir: Path, extra: dict[str, str] | None = None
) -> dict[str, str]:
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "ONEGRID_TOPIC_PREFIX": topic_prefix,
        "INTAKE_SEED_DIR": str(seed_dir),
        "MEDIATION_SEED_DIR": str(seed_dir),
    }
    for name, url in database_urls.items():
        env[f"{name.upper()}_DATABASE_URL"] = url
    env.update(extra or {})
    return env
