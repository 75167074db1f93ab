"""Real peers for notify's tests: an HTTP webhook receiver (uvicorn on 127.0.0.1) that verifies
signatures the way a receiving system would, an SMTP server (aiosmtpd), and notify itself on
PostgreSQL and Kafka with fast retry settings."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from aiosmtpd.controller import Controller
from notify.config import NotifySettings
from notify.main import build_app
from onegrid_contracts import Event, to_kafka
from onegrid_devstack.flows import token
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

sys.path.insert(0, str(Path(__file__).parent))  # --import-mode=importlib: make notify_testing importable

TOLERANCE_SECONDS = 300


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def verify_signature(secrets: list[str], headers: httpx.Headers | dict[str, str], body: bytes) -> bool:
    """What a receiving system does: recompute HMAC-SHA256 over '<timestamp>.<body>' with its secret,
    compare in constant time with any v1 signature, refuse stale timestamps (replays)."""
    timestamp = headers.get("x-onegrid-timestamp", "")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > TOLERANCE_SECONDS:
        return False
    given = [part.strip().removeprefix("v1=") for part in headers.get("x-onegrid-signature", "").split(",")
             if part.strip().startswith("v1=")]
    for secret in secrets:
        expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
        if any(hmac.compare_digest(expected, g) for g in given):
            return True
    return False


@dataclass
class Received:
    name: str
    delivery_id: str
    event_type: str
    attempt: int
    body: dict[str, Any]
    at: float


@dataclass
class Receiver:
    """A webhook receiving system: one path per subscriber name, each with its own secrets and behaviour."""

    port: int = field(default_factory=free_port)
    secrets: dict[str, list[str]] = field(default_factory=dict)
    mode: dict[str, str] = field(default_factory=dict)  # ok | fail | slow
    slow_seconds: float = 2.0
    received: list[Received] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    requests: int = 0
    server: uvicorn.Server | None = None
    task: asyncio.Task | None = None

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/{name}"

    def of(self, name: str) -> list[Received]:
        return [r for r in self.received if r.name == name]

    async def handle(self, request: Request) -> Response:
        name = request.path_params["name"]
        self.requests += 1
        body = await request.body()
        mode = self.mode.get(name, "ok")
        if mode == "fail":
            return Response("boom", status_code=500)
        if mode == "slow":
            await asyncio.sleep(self.slow_seconds)
        if not verify_signature(self.secrets.get(name, []), request.headers, body):
            self.rejected.append(name)
            return Response("bad signature", status_code=401)
        self.received.append(Received(name=name, delivery_id=request.headers["x-onegrid-delivery"],
                                      event_type=request.headers["x-onegrid-event-type"],
                                      attempt=int(request.headers["x-onegrid-attempt"]), body=json.loads(body),
                                      at=time.monotonic()))
        return Response(status_code=204)

    async def start(self) -> None:
        app = Starlette(routes=[Route("/hooks/{name}", self.handle, methods=["POST"])])
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                                    lifespan="off", timeout_graceful_shutdown=1))
        self.task = asyncio.create_task(self.server.serve())
        for _ in range(200):
            if self.server.started:
                return
            await asyncio.sleep(0.02)
        raise RuntimeError("receiver did not start")

    async def stop(self) -> None:
        if self.server is not None and self.task is not None:
            self.server.should_exit = True
            await asyncio.wait_for(self.task, 10)
            self.server = self.task = None


@pytest.fixture
async def receiver():
    r = Receiver()
    await r.start()
    yield r
    await r.stop()


class MailBox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append((envelope.rcpt_tos, message))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server():
    box = MailBox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    box.port = controller.port  # type: ignore[attr-defined]
    yield box
    controller.stop()


@pytest.fixture
def notify_settings(make_database, kafka_bootstrap, topic_prefix, smtp_server, tmp_path: Path):
    def make(**overrides: Any) -> NotifySettings:
        values: dict[str, Any] = {
            "database_url": make_database("notify"), "kafka_bootstrap_servers": kafka_bootstrap, "topic_prefix": topic_prefix,
            "smtp_port": smtp_server.port, "sms_file": str(tmp_path / "sms.jsonl"), "sms_quiet_hours": "",
            "delivery_poll_seconds": 0.1, "retry_base_seconds": 0.05, "retry_max_seconds": 0.2, "max_attempts": 4,
            "lease_margin_seconds": 1.0, "webhook_timeout_seconds": 5.0, "webhook_pause_after_failures": 50,
        }
        values.update(overrides)
        return NotifySettings(**values)

    return make


@pytest.fixture
async def start_notify(start_service):
    async def start(settings: NotifySettings) -> httpx.AsyncClient:
        app = build_app(settings)
        client = await start_service(app)
        client.app = app  # type: ignore[attr-defined]
        return client

    return start


@pytest.fixture
async def produce(producer, topic_prefix):
    async def send(event: Event, event_id: str | None = None) -> str:
        event_id = event_id or str(uuid.uuid4())
        key, value, headers = to_kafka(event, source=f"/onegrid/YYB/{event.producer}", event_id=event_id)
        await producer.send_and_wait(f"{topic_prefix}.{event.producer}.v1", value, key=key, headers=headers)
        return event_id

    return send


async def eventually(check: Callable[[], Awaitable[Any]], what: str, timeout: float = 30.0, every: float = 0.05) -> Any:
    """Polls ``check`` until it returns something truthy; fails naming ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(every)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}; last: {last!r}")


DISPATCHER = token("dispatcher")
SYSTEM = token("system", subject="system-hotline")


async def notifications(client: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    answer = await client.get("/v1/notifications", params={"limit": 1000, **params}, headers=DISPATCHER)
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]


@pytest.fixture
def peers():
    """The helpers above for the test modules (conftest is not importable under importlib mode)."""
    from types import SimpleNamespace

    return SimpleNamespace(eventually=eventually, notifications=notifications, verify_signature=verify_signature,
                           Receiver=Receiver, DISPATCHER=DISPATCHER, SYSTEM=SYSTEM, token=token)
