"""E-mail: the message notify writes reads back as written; open SMTP sessions are reused, and one the server
closed while it sat idle is replaced."""

from __future__ import annotations

import email.utils
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from notify.channels import DeliveryError, SmtpPool, mail_message
from notify.config import NotifySettings
from onegrid_devstack.stack import free_port


class CountingMailBox:
    def __init__(self) -> None:
        self.messages: list = []
        self.sessions: list[object] = []

    async def handle_DATA(self, server, session, envelope):
        self.sessions.append(session)
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
        return "250 Message accepted for delivery"


def _message(n: int) -> bytes:
    return mail_message(sender="notify@onegrid.local", to="d07@town.example", subject=f"case {n}",
                        body=f"message {n}", message_id=f"<{n}@notify.onegrid>", event_type="onegrid.case.dispatched")


def test_the_message_reads_back_as_written_by_a_standard_parser():
    subject = "新案件 YYB-2026-000777 已派发至 城市管理局（占道经营 / street vending），请于两个工作日内处理并反馈结果"
    body = "案件 YYB-2026-000777\n地址：幸福路 12 号\n\n.a line that starts with a dot\n" + "很长的一行" * 200
    raw = mail_message(sender="OneGrid 通知 <notify@onegrid.local>", to="d07@town.example", subject=subject, body=body,
                       message_id="<abc@notify.onegrid>", event_type="onegrid.case.dispatched")
    lines = raw.split(b"\r\n")
    assert b"\n" not in b"".join(lines) and all(len(line) <= 78 for line in lines)  # CRLF only, folded lines
    mail = message_from_bytes(raw, policy=policy.default)
    assert mail["Subject"] == subject and mail.get_content() == body
    assert mail["From"].addresses[0].display_name == "OneGrid 通知"
    assert mail["From"].addresses[0].addr_spec == "notify@onegrid.local"
    assert mail["To"] == "d07@town.example" and mail["Message-ID"] == "<abc@notify.onegrid>"
    assert mail["X-OneGrid-Event-Type"] == "onegrid.case.dispatched"
    assert mail.get_content_type() == "text/plain" and mail.get_content_charset() == "utf-8"
    assert email.utils.parsedate_to_datetime(mail["Date"]).tzinfo is not None
    assert not mail.defects


def test_a_line_break_in_a_header_value_is_refused():
    with pytest.raises(DeliveryError):
        mail_message(sender="notify@onegrid.local", to="d07@town.example\r\nBcc: x@evil.example", subject="s",
                     body="b", message_id="<1@notify.onegrid>", event_type="onegrid.case.dispatched")


async def test_one_session_carries_many_messages_and_a_stale_one_is_replaced():
    port = free_port()
    box = CountingMailBox()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    pool = SmtpPool(NotifySettings(smtp_host="127.0.0.1", smtp_port=port, smtp_timeout_seconds=5))
    try:
        for n in range(5):
            await pool.send("notify@onegrid.local", "d07@town.example", _message(n))
        assert len(box.messages) == 5
        assert len({id(s) for s in box.sessions}) == 1  # one SMTP session for all five

        controller.stop()  # the server goes away (and with it the idle session) and comes back
        controller = Controller(box, hostname="127.0.0.1", port=port)
        controller.start()
        await pool.send("notify@onegrid.local", "d07@town.example", _message(5))
        assert [m["Subject"] for _, m in box.messages][-1] == "case 5"
        assert len({id(s) for s in box.sessions}) == 2
    finally:
        await pool.close()
        controller.stop()
