"""JSON logs on stdout; every record carries the service, the case id and the trace id in context."""

from __future__ import annotations

import logging
import random
import sys
from contextvars import ContextVar

from pythonjsonlogger.json import JsonFormatter

case_id_var: ContextVar[str | None] = ContextVar("case_id", default=None)
traceparent_var: ContextVar[str | None] = ContextVar("traceparent", default=None)


class _ContextFilter(logging.Filter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def filter(self, record: logging.LogRecord) -> bool:
        record.service = self.service
        record.case_id = case_id_var.get()
        tp = traceparent_var.get()
        record.trace_id = tp.split("-")[1] if tp else None
        return True


def configure_logging(service: str, level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.addFilter(_ContextFilter(service))
    handler.setFormatter(
        JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(service)s %(case_id)s %(trace_id)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("aiokafka", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def new_traceparent() -> str:
    """A W3C trace context header value starting a new trace."""
    return f"00-{_random_hex(32)}-{_random_hex(16)}-01"


def child_traceparent(parent: str | None) -> str:
    if not parent or parent.count("-") != 3:
        return new_traceparent()
    version, trace_id, _span, flags = parent.split("-")
    return f"{version}-{trace_id}-{_random_hex(16)}-{flags}"


def _random_hex(digits: int) -> str:
    # Trace and span ids need to be unique, not secret: no system call per id on the hot path.
    return f"{random.getrandbits(digits * 4) or 1:0{digits}x}"
