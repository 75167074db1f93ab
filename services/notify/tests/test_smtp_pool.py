"""E-mail reuses open SMTP sessions, and replaces one the server closed while it sat idle."""

from __future__ import annotations

from email.message import EmailMessage

from email import message_from_bytes, policy

from aiosmtpd.controller import Controller
from notify.channels import SmtpPool
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


def _message(n: int) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "notify@onegrid.local", "d07@town.example", f"case {n}"
    message.set_content(f"message {n}")
    return message


async def test_one_session_carries_many_messages_and_a_stale_one_is_replaced():
    port = free_port()
    box = CountingMailBox()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    pool = SmtpPool(NotifySettings(smtp_host="127.0.0.1", smtp_port=port, smtp_timeout_seconds=5))
    try:
        for n in range(5):
            await pool.send(_message(n))
        assert len(box.messages) == 5
        assert len({id(s) for s in box.sessions}) == 1  # one SMTP session for all five

        controller.stop()  # the server goes away (and with it the idle session) and comes back
        controller = Controller(box, hostname="127.0.0.1", port=port)
        controller.start()
        await pool.send(_message(5))
        assert [m["Subject"] for _, m in box.messages][-1] == "case 5"
        assert len({id(s) for s in box.sessions}) == 2
    finally:
        await pool.close()
        controller.stop()
