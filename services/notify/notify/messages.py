"""Messages: Jinja2 templates per event type, channel and language, with only what the recipient may see."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from functools import cache, lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from jinja2 import ChainableUndefined, Environment, FileSystemLoader, Template, meta
from onegrid_contracts.catalog import load_catalog

from notify.models import Case
from notify.rules import Rules

DEFAULT_TEMPLATES = Path(__file__).parent / "templates"
LANGUAGES = ("zh", "en")
# Mainland mobile numbers, ID card numbers (18 characters) and other long digit runs in free text.
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_PHONE = re.compile(r"(?<!\d)(\+?\d{1,3}[ -]?)?(1[3-9]\d)[ -]?(\d{4})[ -]?(\d{4})(?!\d)")
_LONG_DIGITS = re.compile(r"(?<!\d)\d{7,}(?!\d)")


def mask_text(text: str) -> str:
    """Masks phone and ID numbers in free text (messages and logs never carry them whole)."""
    text = _ID_NUMBER.sub(lambda m: m.group(0)[:3] + "*" * 11 + m.group(0)[-4:], text)
    text = _PHONE.sub(lambda m: f"{m.group(2)}****{m.group(4)}", text)
    return _LONG_DIGITS.sub(lambda m: m.group(0)[:2] + "*" * (len(m.group(0)) - 4) + m.group(0)[-2:], text)


def mask_contact(value: str | None) -> str | None:
    """An e-mail address, phone number or URL as it may appear in the delivery log."""
    if not value:
        return value
    if "@" in value:
        name, _, domain = value.partition("@")
        return f"{name[:1]}***@{domain}"
    if value.startswith(("http://", "https://")):
        return value
    return value[:3] + "*" * max(len(value) - 7, 1) + value[-4:] if len(value) > 7 else "***"


def scrub(value: Any) -> Any:
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, list):
        return [scrub(v) for v in value]
    if isinstance(value, dict):
        return {k: scrub(v) for k, v in value.items()}
    return value


@dataclass(frozen=True)
class Message:
    subject: str
    body: str


class Templates:
    """Finds ``<lang>/<event type>.<channel>.j2``, then ``<lang>/<event type>.j2``, then the defaults."""

    def __init__(self, directory: str | None = None) -> None:
        self.directory = Path(directory or DEFAULT_TEMPLATES)
        # Templates are read once per process (a change takes a restart, like rules.yaml): no stat() per message.
        self.env = Environment(loader=FileSystemLoader(self.directory), undefined=ChainableUndefined,
                               trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False, autoescape=False,
                               auto_reload=False)
        self.words: dict[str, Any] = yaml.safe_load((self.directory / "words.yaml").read_text(encoding="utf-8"))
        self._chosen: dict[tuple[str, str, str], Template] = {}

    def template(self, language: str, event_type: str, channel: str) -> Template:
        key = (language, event_type, channel)
        if key not in self._chosen:
            self._chosen[key] = self.env.select_template([
                f"{language}/{event_type}.{channel}.j2", f"{language}/{event_type}.j2",
                f"{language}/_default.{channel}.j2", f"{language}/_default.j2"])
        return self._chosen[key]

    def status_words(self, event_type: str, language: str) -> str:
        words = self.words.get("status", {}).get(event_type)
        if words:
            return words.get(language) or words.get("en", "")
        fallback = self.words.get("status_unknown", {})
        return fallback.get(language, "{0}").format(event_type.rsplit(".", 1)[-1].replace("_", " "))

    @cache  # noqa: B019 (one Templates per directory per process)
    def labels(self, language: str) -> dict[str, str]:
        return {name: words.get(language) or words.get("en") or name
                for name, words in (self.words.get("fields") or {}).items()}

    def render_channels(self, *, language: str, event_type: str, channels: list[str], context: dict[str, Any]
                        ) -> dict[str, Message]:
        """Each channel's message. Channels that share a template which does not look at ``channel`` (the
        in-app message and the e-mail, usually) share one rendering: rendering was a seventh of notify's CPU."""
        messages: dict[str, Message] = {}
        rendered: dict[tuple[str | None, str | bool], Message] = {}
        for channel in channels:
            name = self.template(language, event_type, channel).name
            key = (name, channel if self.uses_channel(name) else channel == "sms")  # the SMS has its own part
            if key not in rendered:
                rendered[key] = self.render(language=language, event_type=event_type, channel=channel, context=context)
            messages[channel] = rendered[key]
        return messages

    @cache  # noqa: B019 (one Templates per directory per process)
    def uses_channel(self, name: str | None) -> bool:
        """Whether the template named ``name``, or one it extends or includes, refers to ``channel``."""
        if name is None:
            return True
        source = self.env.loader.get_source(self.env, name)[0]  # type: ignore[union-attr]
        parsed = self.env.parse(source)
        if "channel" in meta.find_undeclared_variables(parsed):
            return True
        return any(self.uses_channel(other) for other in meta.find_referenced_templates(parsed))

    def render(self, *, language: str, event_type: str, channel: str, context: dict[str, Any]) -> Message:
        """Renders the template's parts: ``subject``, ``body`` (inbox, e-mail) or ``sms``."""
        template = self.template(language, event_type, channel)
        variables = {**context, "channel": channel, "language": language, "labels": self.labels(language)}

        def part(name: str) -> str:
            return template.render({**variables, "part": name}).strip()

        subject = " ".join(part("subject").split())
        return Message(subject=subject, body=part("sms" if channel == "sms" else "body") or subject)


@lru_cache(maxsize=4)
def templates(directory: str | None = None) -> Templates:
    return Templates(directory)


def message_context(*, event_type: str, data: dict[str, Any], contact: Case, audience: str, rules: Rules,
                    language: str, link: str, timezone: str, words: Templates, urgent: bool) -> dict[str, Any]:
    """What a template may use: the case's facts, and the event fields this audience may see (masked)."""
    catalog = load_catalog()
    category = catalog.categories.get(contact.category or "")
    deadline = contact.deadline_at
    visible = rules.visible_fields.get(audience, frozenset())
    detail = {k: scrub(v) for k, v in data.items() if k in visible and v not in (None, "", [])}
    return {
        "event_type": event_type,
        "case_number": contact.case_number or str(contact.case_id)[:8],
        "status": words.status_words(event_type, language),
        "department": catalog.department_name(contact.department, language) if contact.department else None,
        "department_code": contact.department,
        "category": (category.name_zh if language == "zh" else category.name_en) if category else None,
        "grid": contact.grid,
        "deadline": _local(deadline, timezone) if deadline else None,
        "link": link.format(case_id=contact.case_id, case_number=contact.case_number or contact.case_id),
        "urgent": urgent,
        "audience": audience,
        "detail": detail,
    }


def _local(moment: datetime, timezone: str) -> str:
    return moment.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")


def language_of(preferred: str | None, default: str) -> str:
    return preferred if preferred in LANGUAGES else (default if default in LANGUAGES else "zh")
