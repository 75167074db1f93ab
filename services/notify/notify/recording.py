"""From events to the messages they cause, a fetched batch at a time (the consumer's hot path).

Everything here runs inside the consuming transaction: the case facts learnt, the notifications
(the in-app inbox entry is the row itself), the delivery-queue rows and the ``notifications.recorded``
events (one per source event) commit together with the events' inbox ids, so a redelivered event causes nothing twice.
Nothing here sends anything.

Cost: whatever the batch's size, one query per table reads what it needs (``case_contact``,
``deferred_event``, ``subscription``, ``recipient``, and ``notification`` only when deferred
events are caught up; selects built once, run by ``select_rows``) and one multi-row
statement per table writes it (no ORM objects). The events are then worked through in arrival
order in memory, each seeing the case facts and the directory as they stand after the events
before it, so the result is the same as handling them one at a time. Rules and templates are
files read once per process (``load_rules``, ``templates``: a change takes a restart).
"""

from __future__ import annotations

import uuid
from copy import copy
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from onegrid_contracts import Envelope, Event
from onegrid_contracts.events import EVENT_TYPES, Actor, CaseReported, NotificationsRecorded, RecordedMessage
from onegrid_contracts.ids import new_id
from onegrid_runtime.db import among, among_parameter, select_rows, update_rows_async, utcnow
from onegrid_runtime.outbox import emit, insert_at_commit
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel.ext.asyncio.session import AsyncSession

from notify.config import NotifySettings
from notify.delivery import quiet_until, send_after_commit
from notify.messages import Templates, language_of, message_context, templates
from notify.models import (
    CASE_FACTS,
    CaseContact,
    CaseFacts,
    DeferredEvent,
    Delivery,
    Notification,
    Recipient,
    Subscription,
)
from notify.rules import Rule, Rules, load_rules
from notify.service import CONTACT_FIELDS, addresses, is_urgent, missing_for
from notify.subscriptions import matching_subscriptions, webhook_payload
from notify.tally import count_changes

CONTACTS = CaseContact.__table__  # type: ignore[attr-defined]
DEFERRED = DeferredEvent.__table__  # type: ignore[attr-defined]
RECIPIENTS = Recipient.__table__  # type: ignore[attr-defined]
NOTIFICATIONS = Notification.__table__  # type: ignore[attr-defined]
DELIVERIES = Delivery.__table__  # type: ignore[attr-defined]
SUBSCRIPTIONS = Subscription.__table__  # type: ignore[attr-defined]
DIRECTORY_FIELDS = ("language", "email", "phone")


@dataclass(slots=True)
class Waiting:
    """A ``deferred_event`` row: an event some of whose recipients were not known yet."""

    event_id: str
    case_id: uuid.UUID
    event_type: str
    source: str
    time: str
    data: dict[str, Any]
    missing: list[str]
    created_at: datetime
    stored: bool  # already in the table (else written at the end of the batch unless gone)
    changed: bool = False
    gone: bool = False


@dataclass(slots=True)
class Webhook:
    """A webhook delivery of one event to one subscription (its payload needs no directory)."""

    event: Event
    envelope: Envelope
    recipient: str
    url: str
    body: str
    urgent: bool


@dataclass(slots=True)
class Pending:
    """Messages of one event to one address, rendered once the directory is read."""

    event: Event
    envelope: Envelope
    data: dict[str, Any]
    facts: CaseFacts
    rule: Rule
    address: str
    channels: list[str]
    urgent: bool
    learnt: dict[str, str] | None  # the directory fields events of this batch set for the address so far


@dataclass
class Batch:
    """The batch's state while its events are worked through in order."""

    settings: NotifySettings
    rules: Rules
    words: Templates
    subscriptions: list[Any]
    done: dict[str, set[tuple[str, str]]]
    learnt_directory: dict[str, dict[str, str]] = field(default_factory=dict)
    items: list[Webhook | Pending] = field(default_factory=list)  # the messages planned, in order


async def record_batch(*, session: AsyncSession, events: list[Event], envelopes: list[Envelope],
                       settings: NotifySettings) -> list[dict[str, Any]]:
    """The handler's work for events in arrival order: learn each case, catch up on earlier events that
    waited for what was just learnt, then record the event's notifications (one per recipient and channel,
    per the rules). Returns the notification rows written."""
    if not events:
        return []
    conn = await session.connection()
    rules = load_rules(settings.rules_file)
    case_ids = list(dict.fromkeys(e.case_id for e in events))
    contacts = {r.case_id: CaseFacts(**r._asdict()) for r in await select_rows(conn, CONTACTS_OF, ids=case_ids)}
    stored_contacts = {case_id: _row(c) for case_id, c in contacts.items()}
    waiting = await _load_waiting(conn, case_ids)
    types = {e.type for e in events} | {w.event_type for ws in waiting.values() for w in ws}
    wants_subscribers = any(r.to == "subscribers" for t in types for r in rules.for_event(t))
    subscriptions = await select_rows(conn, SUBSCRIBED) if wants_subscribers else []
    stored_ids = [w.event_id for ws in waiting.values() for w in ws]
    done: dict[str, set[tuple[str, str]]] = {}
    if stored_ids:
        for event_id, recipient, channel in await select_rows(conn, RECORDED_FOR, ids=stored_ids):
            done.setdefault(event_id, set()).add((recipient, channel))
    batch = Batch(settings=settings, rules=rules, words=templates(settings.templates_dir),
                  subscriptions=subscriptions, done=done)

    for event, envelope in zip(events, envelopes, strict=True):
        contact = contacts.get(event.case_id)
        if contact is None:
            contact = contacts[event.case_id] = CaseFacts(case_id=event.case_id)
        learnt = learn_case(contact, event)
        learn_reporter(batch, event, contact)
        facts = copy(contact)  # the case as this event leaves it; later events of the batch change `contact`
        if learnt:
            catch_up(batch, waiting.get(event.case_id, []), facts, learnt)
        missing = plan_event(batch, event, envelope, facts)
        if missing:
            waiting.setdefault(event.case_id, []).append(Waiting(
                event_id=envelope.id, case_id=event.case_id, event_type=event.type, source=envelope.source,
                time=envelope.time, data=event.model_dump(mode="json"), missing=sorted(missing),
                created_at=utcnow(), stored=False))

    directory = await _load_directory(conn, batch)
    notes, deliveries = write_items(session, batch, directory)
    # New rows are written with the batch's events as it commits (one statement): nothing reads them back.
    await _write_contacts(session, conn, contacts, stored_contacts)
    await _write_directory(session, conn, batch, directory)
    send_after_commit(session, settings, deliveries, notes)  # before they are written: it claims some
    insert_at_commit(session, NOTIFICATIONS, notes)
    insert_at_commit(session, DELIVERIES, deliveries)
    count_changes(session, ((note["channel"], None, note["status"]) for note in notes))
    await _write_waiting(session, conn, waiting)
    return notes


def learn_case(contact: CaseFacts, event: Event) -> set[str]:
    """Learns the case's facts from the event; returns the fields it did not know before."""
    before = {name: getattr(contact, name) for name in (*CONTACT_FIELDS, "mediator")}
    for name in CONTACT_FIELDS:
        value = event.value_of(name)
        # The reporter is the first one; later reporters of a duplicate are addressed by their own event.
        if isinstance(value, str) and value and not (name == "reporter_id" and contact.reporter_id):
            setattr(contact, name, value)
    mediator = event.value_of("mediator_id") or event.value_of("mediator")
    if isinstance(mediator, str) and mediator:
        contact.mediator = mediator
    if isinstance(event.value_of("urgent"), bool):
        contact.urgent = event.urgent  # type: ignore[attr-defined]
    elif event.value_of("priority") in ("urgent", "normal"):
        contact.urgent = event.priority == "urgent"  # type: ignore[attr-defined]
    deadline = event.value_of("deadline_at") or event.value_of("new_deadline_at")
    if isinstance(deadline, datetime):
        contact.deadline_at = deadline
    learnt = {name for name, old in before.items() if old is None and getattr(contact, name) is not None}
    if event.type == CaseReported.type and not contact.reported:
        contact.reported = True
        learnt.add("reporter_id")  # known now, also when it is "none": events waiting for it can go ahead
    return learnt


def learn_reporter(batch: Batch, event: Event, contact: CaseFacts) -> None:
    """Language and contact points carried by an event (optional fields) go to the directory."""
    if not contact.reporter_id:
        return
    found = {name: event.value_of(attr) for name, attr in
             (("language", "reporter_language"), ("email", "reporter_email"), ("phone", "reporter_phone"))}
    found = {k: v for k, v in found.items() if isinstance(v, str) and v}
    if found:
        address = f"resident:{contact.reporter_id}"
        # A new dict each time: what an earlier event saw (Pending.learnt) stays as it was.
        batch.learnt_directory[address] = {**batch.learnt_directory.get(address, {}), **found}


def catch_up(batch: Batch, waiting: list[Waiting], facts: CaseFacts, learnt: set[str]) -> None:
    """Notifies the recipients earlier events of this case could not name until now."""
    for deferred in waiting:
        if deferred.gone or not learnt & set(deferred.missing):
            continue
        cls = EVENT_TYPES.get(deferred.event_type)
        if cls is None:
            deferred.gone = True
            continue
        event = cls.model_validate(deferred.data)
        envelope = Envelope(id=deferred.event_id, type=deferred.event_type, source=deferred.source, time=deferred.time,
                            subject=str(deferred.case_id), dataschema=None, data=deferred.data)
        missing = plan_event(batch, event, envelope, facts)
        if missing:
            deferred.missing, deferred.changed = sorted(missing), True
        else:
            deferred.gone = True


def plan_event(batch: Batch, event: Event, envelope: Envelope, facts: CaseFacts) -> set[str]:
    """Decides this event's messages (recipient, channel) for every recipient the rules name and the case
    lets us address; returns the case facts still missing for the others."""
    rules = batch.rules
    data = event.model_dump(mode="json")
    done = batch.done.setdefault(envelope.id, set())
    missing: set[str] = set()
    for rule in rules.for_event(event.type):
        if not rule.applies(data):
            continue
        urgent = is_urgent(rule, data, facts)
        missing |= missing_for(rule, facts, rules, data)
        if rule.to == "subscribers":
            subs, unknown = matching_subscriptions(subscriptions=batch.subscriptions, event_type=event.type,
                                                   contact=facts, data=data)
            missing |= unknown
            for sub in subs:
                recipient = f"webhook:{sub.id}"
                if (recipient, "webhook") in done:
                    continue
                done.add((recipient, "webhook"))
                body = webhook_payload(envelope=envelope, event=event, data=data, contact=facts, rules=rules)
                batch.items.append(Webhook(event=event, envelope=envelope, recipient=recipient, url=sub.url, body=body,
                                           urgent=urgent))
            continue
        for address in addresses(rule, facts, data, rules):
            channels = [c for c in rule.channels if (address, c) not in done]
            done.update((address, c) for c in channels)
            if channels:
                batch.items.append(Pending(event=event, envelope=envelope, data=data, facts=facts, rule=rule,
                                           address=address, channels=channels, urgent=urgent,
                                           learnt=batch.learnt_directory.get(address)))
    return missing


def write_items(session: AsyncSession, batch: Batch, directory: dict[str, dict[str, Any]]
                ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Renders the planned messages in order; returns the notification and delivery rows, and emits one
    ``notifications.recorded`` per source event listing the messages recorded (not those skipped)."""
    s = batch.settings
    now = utcnow()
    quiet_end = quiet_until(now, s.timezone, s.sms_quiet_hours)
    notes: list[dict[str, Any]] = []
    deliveries: list[dict[str, Any]] = []
    recorded: dict[str, tuple[Event, Envelope, list[RecordedMessage]]] = {}  # by source event, in order

    def add(event: Event, envelope: Envelope, note: dict[str, Any], target: str | None, endpoint: str | None) -> None:
        notes.append(note)
        if note["status"] == "skipped":
            return
        if target and endpoint:
            due = (quiet_end or now) if note["channel"] == "sms" and not note["urgent"] else now
            deliveries.append({"notification_id": note["id"], "channel": note["channel"], "endpoint": endpoint,
                               "target": target, "urgent": note["urgent"], "status": "pending", "attempts": 0,
                               "next_attempt_at": due, "created_at": now, "updated_at": now})
        recorded.setdefault(envelope.id, (event, envelope, []))[2].append(RecordedMessage(
            notification_id=note["id"], recipient=note["recipient"], channel=note["channel"]))

    for item in batch.items:
        if isinstance(item, Webhook):
            add(item.event, item.envelope, _note(item.event, item.envelope, item.recipient, "webhook", now=now,
                                                 subject=item.event.type, body=item.body, language=None,
                                                 urgent=item.urgent), item.url, item.recipient)
            continue
        event = item.event
        stored = directory.get(item.address)
        entry = {**(stored or {}), **(item.learnt or {})} if stored or item.learnt else None
        language = language_of(entry.get("language") if entry else None, s.default_language)
        context = message_context(event_type=event.type, data=item.data, contact=item.facts,
                                  audience=item.rule.audience, rules=batch.rules, language=language, link=s.case_link,
                                  timezone=s.timezone, words=batch.words, urgent=item.urgent)
        messages = batch.words.render_channels(language=language, event_type=event.type, channels=item.channels,
                                               context=context)
        for channel in item.channels:
            message = messages[channel]
            target = {"sms": entry.get("phone"), "email": entry.get("email")}.get(channel) if entry else None
            note = _note(event, item.envelope, item.address, channel, now=now, subject=message.subject[:300],
                         body=message.body, language=language, urgent=item.urgent)
            if channel == "inbox":
                note["status"], note["delivered_at"] = "delivered", now
            elif not target:
                note["status"] = "skipped"
                note["last_error"] = f"no {'phone number' if channel == 'sms' else 'e-mail address'} on file"
            add(event, item.envelope, note, target, channel if channel != "inbox" else None)
    for event, envelope, messages in recorded.values():
        emit(session, NotificationsRecorded(
            case_id=event.case_id, jurisdiction=event.jurisdiction, actor=Actor(role="system", id="notify"),
            source_event_id=envelope.id, source_event_type=event.type, messages=messages))
    return notes, deliveries


def _row(facts: CaseFacts) -> dict[str, Any]:
    return {name: getattr(facts, name) for name in CASE_FACTS}


def _note(event: Event, envelope: Envelope, recipient: str, channel: str, *, now: datetime, subject: str, body: str,
          language: str | None, urgent: bool) -> dict[str, Any]:
    """A complete, pending ``notification`` row (Core inserts apply no model defaults)."""
    return {"id": new_id(), "event_id": envelope.id, "event_type": event.type, "case_id": event.case_id,
            "recipient": recipient, "channel": channel, "status": "pending", "subject": subject, "body": body,
            "language": language, "urgent": urgent, "attempts": 0, "last_error": None,
            "created_at": now, "delivered_at": None}


# ---- reads and writes, one statement per table -----------------------------------------------

# The batch's reads, each by a list parameter ``ids`` (built once, run by ``select_rows``).
CONTACTS_OF = select(*(CONTACTS.c[n] for n in CASE_FACTS)).where(among_parameter(CONTACTS.c.case_id, "ids"))
WAITING_OF = (select(DEFERRED).where(among_parameter(DEFERRED.c.case_id, "ids"))
              .order_by(DEFERRED.c.created_at).with_for_update())
RECORDED_FOR = (select(NOTIFICATIONS.c.event_id, NOTIFICATIONS.c.recipient, NOTIFICATIONS.c.channel)
                .where(among_parameter(NOTIFICATIONS.c.event_id, "ids")))
DIRECTORY_OF = (select(RECIPIENTS.c.address, *(RECIPIENTS.c[n] for n in DIRECTORY_FIELDS))
                .where(among_parameter(RECIPIENTS.c.address, "ids")))
SUBSCRIBED = select(SUBSCRIPTIONS).order_by(SUBSCRIPTIONS.c.created_at)


async def _load_waiting(conn: AsyncConnection, case_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[Waiting]]:
    waiting: dict[uuid.UUID, list[Waiting]] = {}
    for r in await select_rows(conn, WAITING_OF, ids=case_ids):
        waiting.setdefault(r.case_id, []).append(Waiting(
            event_id=r.event_id, case_id=r.case_id, event_type=r.event_type, source=r.source, time=r.time,
            data=r.data, missing=list(r.missing), created_at=r.created_at, stored=True))
    return waiting


async def _load_directory(conn: AsyncConnection, batch: Batch) -> dict[str, dict[str, Any]]:
    wanted = {item.address for item in batch.items if isinstance(item, Pending)} | set(batch.learnt_directory)
    if not wanted:
        return {}
    rows = await select_rows(conn, DIRECTORY_OF, ids=list(wanted))
    return {r.address: {n: getattr(r, n) for n in DIRECTORY_FIELDS} for r in rows}


async def _write_contacts(session: AsyncSession, conn: AsyncConnection, contacts: dict[uuid.UUID, CaseFacts],
                          stored: dict[uuid.UUID, dict[str, Any]]) -> None:
    new, changed = [], []
    for case_id, contact in contacts.items():
        row = _row(contact)
        if case_id not in stored:
            new.append(row)
        elif row != stored[case_id]:
            changed.append(row)
    insert_at_commit(session, CONTACTS, new)
    if changed:
        await update_rows_async(conn, CONTACTS, changed, key="case_id")


async def _write_directory(session: AsyncSession, conn: AsyncConnection, batch: Batch,
                           directory: dict[str, dict[str, Any]]) -> None:
    """What events said of reporters' language and contact points (rare: optional event fields)."""
    if not batch.learnt_directory:
        return
    now = utcnow()
    new, changed = [], []
    for address, learnt in batch.learnt_directory.items():
        if address in directory:
            changed.append({"address": address, **directory[address], **learnt, "updated_at": now})
        else:
            new.append({"address": address, **{n: None for n in DIRECTORY_FIELDS}, **learnt, "updated_at": now})
    insert_at_commit(session, RECIPIENTS, new)
    if changed:
        await update_rows_async(conn, RECIPIENTS, changed, key="address")


async def _write_waiting(session: AsyncSession, conn: AsyncConnection, waiting: dict[uuid.UUID, list[Waiting]]) -> None:
    every = [w for ws in waiting.values() for w in ws]
    new = [{"event_id": w.event_id, "case_id": w.case_id, "event_type": w.event_type, "source": w.source,
            "time": w.time, "data": w.data, "missing": w.missing, "created_at": w.created_at}
           for w in every if not w.stored and not w.gone]
    gone = [w.event_id for w in every if w.stored and w.gone]
    changed = [{"event_id": w.event_id, "missing": w.missing} for w in every if w.stored and w.changed and not w.gone]
    insert_at_commit(session, DEFERRED, new)
    if gone:
        await conn.execute(delete(DEFERRED).where(among(conn, DEFERRED.c.event_id, gone)))
    if changed:
        await update_rows_async(conn, DEFERRED, changed, key="event_id")
