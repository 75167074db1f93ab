"""The event path a fetched batch at a time: several events, of several types and with one case twice,
applied in ONE consumer transaction give every case its full effect, the same as one event at a time."""

from __future__ import annotations

import json
import uuid

from notify.handlers import handlers
from notify_testing import dispatched, notify_database, reported
from onegrid_contracts import from_kafka, to_kafka
from onegrid_runtime.consumer import apply_event, apply_events
from onegrid_runtime.db import Database
from sqlalchemy import text


async def effects(db: Database) -> dict:
    async with db.transaction() as session:
        conn = await session.connection()

        def rows(sql: str):
            return conn.execute(text(sql))

        notes = (await rows("select event_id, case_id, recipient, channel, status, language, subject, body, last_error "
                            "from notification")).all()
        deliveries = (await rows("select n.event_id, n.recipient, d.channel, d.endpoint, d.target, d.status from delivery d "
                                 "join notification n on n.id = d.notification_id")).all()
        contacts = (await rows("select case_id, case_number, reporter_id, grid, department, urgent, deadline_at "
                               "from case_contact")).all()
        deferred = (await rows("select event_id from deferred_event")).all()
        outbox = [json.loads(p) for (p,) in (await rows("select payload from outbox order by seq")).all()]
    recorded: dict[str, list[tuple[str, str, str]]] = {}
    announced: dict[str, list[str]] = {}  # the source events announced, per case, in order
    for event in outbox:
        data = event.get("data", event)
        announced.setdefault(data["case_id"], []).append(data["source_event_id"])
        recorded.setdefault(data["case_id"], []).extend(
            (data["source_event_id"], m["recipient"], m["channel"]) for m in data["messages"])
    return {"notes": sorted(map(tuple, notes), key=str), "deliveries": sorted(map(tuple, deliveries), key=str),
            "contacts": sorted(map(tuple, contacts), key=str), "deferred": deferred, "recorded": recorded,
            "announced": announced}


async def test_a_batch_of_mixed_types_and_a_repeated_case_has_the_full_effect_of_one_event_at_a_time(make_database):
    a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    events = [
        dispatched(a, "D11"),  # before its report: the reporter is not known yet, so it waits (deferred)
        reported(a, "r-a", "G001"), reported(b, "r-b", "G002"), reported(c, "r-c", "G003", priority="urgent"),
        dispatched(b, "D11"), dispatched(b, "D05"),  # case b twice in one run of one type: redispatched
    ]
    envelopes = [from_kafka(*to_kafka(e, source=f"/onegrid/YYB/{e.producer}")) for e in events]
    ids = [e.id for e in envelopes]

    batched_db, settings, subscription = await notify_database(make_database)
    single_db, single_settings, _ = await notify_database(make_database)
    try:
        assert await apply_events(batched_db, handlers, envelopes, settings) == 6  # one transaction
        assert await apply_events(batched_db, handlers, envelopes, settings) == 0  # redelivered: nothing twice
        for envelope in envelopes:
            assert await apply_event(single_db, handlers, envelope, single_settings)
        batched, single = await effects(batched_db), await effects(single_db)
    finally:
        await batched_db.dispose()
        await single_db.dispose()

    notes = {(n[0], n[2], n[3]): n for n in batched["notes"]}
    assert set(notes) == {
        (ids[0], "department:D11", "inbox"), (ids[0], "department:D11", "email"),
        (ids[0], "resident:r-a", "inbox"), (ids[0], "resident:r-a", "sms"),  # caught up when the report came
        (ids[1], "resident:r-a", "inbox"), (ids[1], "resident:r-a", "sms"), (ids[1], "grid:G001", "inbox"),
        (ids[2], "resident:r-b", "inbox"), (ids[2], "resident:r-b", "sms"), (ids[2], "grid:G002", "inbox"),
        (ids[3], "resident:r-c", "inbox"), (ids[3], "resident:r-c", "sms"), (ids[3], "grid:G003", "inbox"),
        (ids[3], "grid:G003", "sms"),
        (ids[4], "department:D11", "inbox"), (ids[4], "department:D11", "email"),
        (ids[4], "resident:r-b", "inbox"), (ids[4], "resident:r-b", "sms"),
        (ids[5], f"webhook:{subscription}", "webhook"), (ids[5], "department:D05", "inbox"),
        (ids[5], "department:D05", "email"), (ids[5], "resident:r-b", "inbox"), (ids[5], "resident:r-b", "sms"),
    }
    # The directory decides language and reach: r-a reads English and has a phone; r-b has none on file.
    assert notes[(ids[0], "resident:r-a", "sms")][4:6] == ("pending", "en")
    # The deferred dispatch is rendered with what the report taught: the case number, in English.
    assert notes[(ids[0], "resident:r-a", "inbox")][6] == \
        f"Case YYB-2026-{a.int % 10**6:06d} has been sent to the department in charge"
    assert notes[(ids[2], "resident:r-b", "sms")][4] == "skipped"
    assert notes[(ids[5], "department:D05", "email")][8] == "no e-mail address on file"
    assert {(d[0], d[1], d[3], d[4]) for d in batched["deliveries"]} == {
        (ids[0], "department:D11", "email", "d11@town.example.gov"), (ids[0], "resident:r-a", "sms", "+8613800000001"),
        (ids[1], "resident:r-a", "sms", "+8613800000001"), (ids[4], "department:D11", "email", "d11@town.example.gov"),
        (ids[5], f"webhook:{subscription}", f"webhook:{subscription}", "http://127.0.0.1:9/hook"),
    }
    # What notify learnt of each case: the last department, the first reporter, urgency from the report.
    contacts = {row[0]: row for row in batched["contacts"]}
    assert contacts[b][2:5] == ("r-b", "G002", "D05") and contacts[a][4] == "D11" and contacts[c][5] is True
    assert batched["deferred"] == []  # a's dispatch no longer waits
    # notifications.recorded, one per source event, in order per case (skipped messages are not announced).
    assert batched["announced"] == {str(a): [ids[0], ids[1]], str(b): [ids[2], ids[4], ids[5]],
                                    str(c): [ids[3]]}
    assert batched["recorded"][str(a)] == [
        (ids[0], "department:D11", "inbox"), (ids[0], "department:D11", "email"),
        (ids[0], "resident:r-a", "inbox"), (ids[0], "resident:r-a", "sms"),
        (ids[1], "resident:r-a", "inbox"), (ids[1], "resident:r-a", "sms"), (ids[1], "grid:G001", "inbox")]
    assert batched["recorded"][str(b)] == [
        (ids[2], "resident:r-b", "inbox"), (ids[2], "grid:G002", "inbox"),
        (ids[4], "department:D11", "inbox"), (ids[4], "department:D11", "email"), (ids[4], "resident:r-b", "inbox"),
        (ids[5], f"webhook:{subscription}", "webhook"), (ids[5], "department:D05", "inbox"),
        (ids[5], "resident:r-b", "inbox")]

    # One event per transaction gives exactly the same rows and messages announced (the webhook id differs per
    # database); only a deferred event's late recipients come in an announcement of their own.
    assert single["announced"][str(a)] == [ids[0], ids[0], ids[1]]
    batched.pop("announced"), single.pop("announced")

    def same(value):
        return json.loads(json.dumps(value, default=str).replace(str(subscription), "SUB"))

    single_subscription = next(n[2] for n in single["notes"] if n[3] == "webhook").split(":", 1)[1]
    single = json.loads(json.dumps(single, default=str).replace(single_subscription, "SUB"))
    assert same(batched) == single


async def test_a_report_without_a_reporter_leaves_nothing_waiting(make_database):
    """case.reported tells notify whether the case has a reporter: a report with none (an anonymous call, another
    system) must not keep its events waiting for a reporter who never comes. A dispatch that arrives before the
    report waits only until the report says so."""
    early, plain = uuid.uuid4(), uuid.uuid4()
    events = [dispatched(early, "D11"), reported(early, None, "G001"), reported(plain, None, "G002"),
              dispatched(plain, "D11")]
    envelopes = [from_kafka(*to_kafka(e, source=f"/onegrid/YYB/{e.producer}")) for e in events]
    db, settings, _ = await notify_database(make_database)
    try:
        assert await apply_event(db, handlers, envelopes[0], settings)
        waiting = await effects(db)
        assert waiting["deferred"] == [(envelopes[0].id,)]  # the report may still name a reporter
        for envelope in envelopes[1:]:
            assert await apply_event(db, handlers, envelope, settings)
        done = await effects(db)
    finally:
        await db.dispose()
    assert done["deferred"] == []
    recipients = {(n[0], n[2], n[3]) for n in done["notes"]}
    assert recipients == {
        (envelopes[0].id, "department:D11", "inbox"), (envelopes[0].id, "department:D11", "email"),
        (envelopes[1].id, "grid:G001", "inbox"), (envelopes[2].id, "grid:G002", "inbox"),
        (envelopes[3].id, "department:D11", "inbox"), (envelopes[3].id, "department:D11", "email")}
