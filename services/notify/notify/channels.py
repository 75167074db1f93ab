"""The channels notify sends on: webhooks (signed HTTP POST), e-mail (SMTP) and SMS (a provider)."""

from __future__ import annotations

import asyncio
import base64
import functools
import importlib
import json
import time
from dataclasses import dataclass
from email.header import Header
from email.utils import formataddr, formatdate, parseaddr
from pathlib import Path
from typing import Protocol

import aiosmtplib
import httpx

from notify.config import NotifySettings
from notify.models import Subscription
from notify.subscriptions import signature_header


class DeliveryError(Exception):
    """The endpoint refused or failed the delivery; ``http_status`` when it answered at all."""

    def __init__(self, message: str, http_status: int | None = None) -> None:
        super().__init__(message)
        self.http_status = http_status


@dataclass(frozen=True)
class Outgoing:
    notification_id: str
    channel: str
    endpoint: str
    target: str
    subject: str
    body: str
    event_type: str
    attempt: int
    subscription: Subscription | None = None


class SmsProvider(Protocol):
    """What an SMS gateway adapter implements; ``message_id`` lets the gateway drop a resend."""

    async def send(self, *, to: str, text: str, message_id: str) -> None: ...


class FileSmsProvider:
    """The default provider: appends each message as a JSON line to a file (one per message id)."""

    def __init__(self, path: str) -> None:
        self.path = Path(path)
        self._sent: set[str] | None = None
        self._lock = asyncio.Lock()

    def _load(self) -> set[str]:
        if self._sent is None:
            self._sent = set()
            if self.path.exists():
                for line in self.path.read_text(encoding="utf-8").splitlines():
                    if line.strip():
                        self._sent.add(json.loads(line)["id"])
        return self._sent

    async def send(self, *, to: str, text: str, message_id: str) -> None:
        async with self._lock:
            sent = self._load()
            if message_id in sent:  # a resend after a crash between writing and recording: once is enough
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            line = json.dumps({"id": message_id, "to": to, "text": text, "at": time.time()}, ensure_ascii=False)
            with self.path.open("a", encoding="utf-8") as f:
                f.write(line + "\n")
            sent.add(message_id)


def sms_provider(settings: NotifySettings) -> SmsProvider:
    if settings.sms_provider == "file":
        return FileSmsProvider(settings.sms_file)
    module, _, name = settings.sms_provider.partition(":")
    return getattr(importlib.import_module(module), name)(settings)


class Channels:
    def __init__(self, settings: NotifySettings) -> None:
        self.settings = settings
        self.http = httpx.AsyncClient(timeout=settings.webhook_timeout_seconds, follow_redirects=False,
                                      limits=httpx.Limits(max_connections=None, max_keepalive_connections=100),
                                      headers={"User-Agent": "OneGrid-Notify/1"})
        self.sms = sms_provider(settings)
        self.smtp = SmtpPool(settings)

    def timeout(self, channel: str) -> float:
        s = self.settings
        return {"webhook": s.webhook_timeout_seconds, "email": s.smtp_timeout_seconds, "sms": s.sms_timeout_seconds}[channel]

    async def send(self, out: Outgoing) -> int | None:
        """Sends one message; raises DeliveryError (or any error) on failure; returns the HTTP status."""
        match out.channel:
            case "webhook":
                return await self._webhook(out)
            case "email":
                await self._email(out)
            case "sms":
                await self.sms.send(to=out.target, text=out.body, message_id=out.notification_id)
            case _:
                raise DeliveryError(f"unknown channel {out.channel}")
        return None

    async def _webhook(self, out: Outgoing) -> int:
        assert out.subscription is not None
        body = out.body.encode()
        timestamp = int(time.time())
        response = await self.http.post(out.target, content=body, headers={
            "Content-Type": "application/cloudevents+json; charset=utf-8",
            "X-OneGrid-Delivery": out.notification_id,
            "X-OneGrid-Event-Type": out.event_type,
            "X-OneGrid-Attempt": str(out.attempt),
            "X-OneGrid-Timestamp": str(timestamp),
            "X-OneGrid-Signature": signature_header(out.subscription, timestamp, body),
        })
        if not 200 <= response.status_code < 300:
            raise DeliveryError(f"HTTP {response.status_code}", http_status=response.status_code)
        return response.status_code

    async def _email(self, out: Outgoing) -> None:
        sender = self.settings.smtp_sender
        try:
            await self.smtp.send(_sender(sender)[1], out.target, mail_message(
                sender=sender, to=out.target, subject=out.subject, body=out.body,
                # Stable per notification: a receiving system can drop a resend after a crash mid-send.
                message_id=f"<{out.notification_id}@notify.onegrid>", event_type=out.event_type))
        except aiosmtplib.SMTPResponseException as exc:
            raise DeliveryError(f"SMTP {exc.code}: {exc.message}") from exc

    async def close(self) -> None:
        await self.http.aclose()
        await self.smtp.close()


CRLF = "\r\n"


def mail_message(*, sender: str, to: str, subject: str, body: str, message_id: str, event_type: str) -> bytes:
    """A plain-text UTF-8 e-mail (RFC 5322 and MIME: base64 body, RFC 2047 subject) as the bytes to send.

    Written out directly rather than through ``email.mime``: composing and flattening a MIMEText (header
    folding, address parsing) cost ~0.3 ms of notify's CPU per e-mail, this ~0.05 ms."""
    if any(c in value for value in (to, message_id, event_type) for c in "\r\n"):
        raise DeliveryError("a line break in an e-mail header")
    headers = (
        f"From: {_sender(sender)[0]}",
        f"To: {to}",
        f"Subject: {Header(subject, 'utf-8', header_name='Subject').encode(linesep=CRLF)}",
        f"Date: {formatdate(usegmt=True)}",
        f"Message-ID: {message_id}",
        f"X-OneGrid-Event-Type: {event_type}",
        "MIME-Version: 1.0",
        'Content-Type: text/plain; charset="utf-8"',
        "Content-Transfer-Encoding: base64",
    )
    return (CRLF.join(headers) + CRLF + CRLF).encode("ascii") + \
        base64.encodebytes(body.encode("utf-8")).replace(b"\n", CRLF.encode())


@functools.lru_cache(maxsize=8)
def _sender(sender: str) -> tuple[str, str]:
    """The From header and the envelope address of the configured sender."""
    name, address = parseaddr(sender)
    return formataddr((name, address), charset="utf-8"), address


class SmtpPool:
    """Open SMTP sessions reused for the next message: a session per message would cost a TCP and SMTP
    handshake (and TLS) each time. A session the server has closed meanwhile is replaced once; any
    other failure drops the session."""

    def __init__(self, settings: NotifySettings) -> None:
        self.settings = settings
        self._idle: list[aiosmtplib.SMTP] = []

    async def send(self, sender: str, recipient: str, message: bytes) -> None:
        reused = bool(self._idle)
        client = self._idle.pop() if reused else await self._connect()
        try:
            try:
                await client.sendmail(sender, [recipient], message)
            except aiosmtplib.SMTPServerDisconnected:
                if not reused:
                    raise
                await _quit(client)  # it went stale while idle: once more on a new session
                client = await self._connect()
                await client.sendmail(sender, [recipient], message)
        except BaseException:
            await _quit(client)
            raise
        self._idle.append(client)

    async def _connect(self) -> aiosmtplib.SMTP:
        s = self.settings
        client = aiosmtplib.SMTP(hostname=s.smtp_host, port=s.smtp_port, username=s.smtp_username,
                                 password=s.smtp_password, start_tls=s.smtp_start_tls, timeout=s.smtp_timeout_seconds)
        await client.connect()
        return client

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for client in idle:
            await _quit(client)


async def _quit(client: aiosmtplib.SMTP) -> None:
    try:
        if client.is_connected:
            await client.quit()
    except Exception:  # closing is best effort
        client.close()


__all__ = ["Channels", "DeliveryError", "FileSmsProvider", "Outgoing", "SmsProvider"]
