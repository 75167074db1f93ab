"""Rules as data and templates, without infrastructure: every event type the contracts know renders in
both languages on every channel; recipients per rule; quiet hours; backoff; masking."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from notify.delivery import backoff, quiet_until
from notify.messages import mask_contact, mask_text, message_context, templates
from notify.models import CaseContact
from notify.rules import Rule, RulesError, load_rules
from notify.service import addresses, missing_for
from onegrid_contracts.events import EVENT_TYPES

CONTACT = CaseContact(case_id=uuid.UUID(int=7), case_number="YYB-2026-000042", reporter_id="r-1", grid="G007",
                      department="D11", committee="M02", category="C08",
                      deadline_at=datetime(2026, 12, 10, 1, 0, tzinfo=UTC))


def render(event_type: str, channel: str, language: str, audience: str = "staff", data: dict | None = None):
    words = templates()
    context = message_context(event_type=event_type, data=data or {}, contact=CONTACT, audience=audience,
                              rules=load_rules(), language=language, link="https://town.example/c/{case_number}",
                              timezone="Asia/Shanghai", words=words, urgent=False)
    return words.render(language=language, event_type=event_type, channel=channel, context=context)


@pytest.mark.parametrize("event_type", sorted(t for t in EVENT_TYPES if not t.startswith("onegrid.notification")))
@pytest.mark.parametrize("language", ["zh", "en"])
def test_every_event_type_renders_with_case_number_status_department_deadline_and_link(event_type, language):
    for channel in ("inbox", "email", "sms"):
        message = render(event_type, channel, language)
        for fact in ("YYB-2026-000042", "https://town.example/c/YYB-2026-000042", "2026-12-10 09:00"):
            assert fact in message.body, (channel, fact, message.body)
        assert message.subject and "YYB-2026-000042" in message.subject
        status = templates().status_words(event_type, language)
        assert status in message.subject or status in message.body
        if channel != "sms":
            assert ("村镇建设" if language == "zh" else "Town Construction") in message.body
        else:
            assert len(message.body) <= 160 and "\n" not in message.body


def test_messages_speak_the_recipients_language_and_show_only_what_the_audience_may_see():
    data = {"description": "王大爷家门口路灯坏了，电话13912345678，身份证330102194001011234", "reporter_id": "r-1",
            "note": "lamps replaced"}
    zh = render("onegrid.case.resolved", "inbox", "zh", audience="reporter", data=data)
    en = render("onegrid.case.resolved", "inbox", "en", audience="staff", data=data)
    assert "网格员将到现场核查" in zh.body and "please verify it on the spot" in en.body
    for message in (zh, en):
        assert "13912345678" not in message.body and "330102194001011234" not in message.body
        assert "r-1" not in message.body  # the reporter's identity is in no message
    assert "139****5678" in zh.body and "330***********1234" in zh.body
    external = message_context(event_type="onegrid.case.resolved", data=data, contact=CONTACT, audience="external",
                               rules=load_rules(), language="en", link="x", timezone="UTC", words=templates(), urgent=False)
    assert external["detail"] == {}
    assert mask_contact("someone@town.example.gov") == "s***@town.example.gov"
    assert mask_contact("+8613800000001") == "+86*******0001"
    assert mask_text("call 0571-88886666 or 13800001111") == "call 0571-88****66 or 138****1111"


def test_rules_name_recipients_by_role_escalation_level_and_fixed_address():
    rules = load_rules()
    by_type = {(r.to, r.channels) for r in rules.for_event("onegrid.case.dispatched")}
    assert ("subscribers", ("webhook",)) in by_type and ("department", ("inbox", "email")) in by_type
    assert rules.for_event("onegrid.case.something_new") == rules.for_event("onegrid.anything")
    escalation = next(r for r in rules.for_event("onegrid.case.escalated") if r.to == "supervisors")
    assert escalation.urgency == "urgent"
    assert addresses(escalation, CONTACT, {"level": 1}, rules) == ["department_head:D11"]
    assert addresses(escalation, CONTACT, {"level": "town_leadership"}, rules) == [
        "department_head:D11", "dispatcher", "leadership"]
    assert addresses(escalation, CONTACT, {}, rules) == []
    warning = next(r for r in rules.for_event("onegrid.mediation.risk_warning") if r.to == "listed")
    assert addresses(warning, CONTACT, {"warn_departments": ["D06", "D05"]}, rules) == ["department:D06", "department:D05"]
    assert warning.urgency == "urgent" and warning.audience == "staff"
    overdue = [addresses(r, CONTACT, {"escalated_to": "HUB"}, rules) for r in rules.for_event("onegrid.mediation.overdue")
               if r.to != "subscribers"]
    assert overdue == [["committee:HUB"], ["department:D05"]]
    duplicate = next(r for r in rules.for_event("onegrid.case.duplicate_linked") if r.to == "listed")
    assert addresses(duplicate, CONTACT, {"reporter_id": "r-2"}, rules) == ["resident:r-2"]
    assert duplicate.audience == "reporter"
    mediator = Rule(key="k", to="mediator")
    assert addresses(mediator, CONTACT, {}, rules) == ["committee:M02"]  # no mediator assigned yet
    co = Rule(key="k", to="department", co_departments=True)
    assert addresses(co, CONTACT, {"co_departments": ["D07", "D11"]}, rules) == ["department:D11", "department:D07"]
    unknown = CaseContact(case_id=uuid.uuid4())
    assert addresses(Rule(key="k", to="reporter"), unknown, {}, rules) == []
    assert missing_for(Rule(key="k", to="reporter"), unknown, rules, {}) == {"reporter_id"}
    when = Rule(key="k", to="grid_member", when={"priority": "urgent"})
    assert when.applies({"priority": "urgent"}) and not when.applies({"priority": "normal"})


@pytest.mark.parametrize(("text", "named"), [
    ("events: {onegrid.case.closed: [{to: mayor}]}", "unknown recipient 'mayor'"),
    ("events: {onegrid.case.closed: [{to: reporter, channels: [fax]}]}", "channel fax"),
    ("events: {onegrid.case.closed: [{to: reporter, urgency: soon}]}", "urgency 'soon'"),
    ("events: {onegrid.case.closed: [{to: address}]}", "needs an `address:`"),
    ("events: {onegrid.case.closed: [{to: listed, field: x, as: mayor}]}", "needs `field:` and `as:`"),
])
def test_a_rules_file_that_cannot_be_followed_is_refused_naming_the_rule(tmp_path: Path, text, named):
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RulesError, match="onegrid.case.closed\\[0\\]") as info:
        load_rules(str(path))
    assert named in str(info.value)


def test_quiet_hours_hold_non_urgent_sms_until_the_morning_in_the_towns_time_zone():
    tz = "Asia/Shanghai"  # UTC+8
    late = datetime(2026, 12, 4, 15, 30, tzinfo=UTC)  # 23:30 local
    assert quiet_until(late, tz, "22:00-07:00") == datetime(2026, 12, 5, 7, 0, tzinfo=late.tzinfo).replace(
        tzinfo=None).replace(tzinfo=__import__("zoneinfo").ZoneInfo(tz))
    early = datetime(2026, 12, 4, 21, 0, tzinfo=UTC)  # 05:00 local next day
    assert quiet_until(early, tz, "22:00-07:00").astimezone(UTC) == datetime(2026, 12, 4, 23, 0, tzinfo=UTC)
    day = datetime(2026, 12, 4, 4, 0, tzinfo=UTC)  # 12:00 local
    assert quiet_until(day, tz, "22:00-07:00") is None
    assert quiet_until(late, tz, "") is None
    assert quiet_until(day, tz, "11:00-13:00").astimezone(UTC) == datetime(2026, 12, 4, 5, 0, tzinfo=UTC)


def test_backoff_doubles_with_jitter_and_is_capped():
    samples = {attempt: [backoff(attempt, 1.0, 30.0) for _ in range(200)] for attempt in (1, 2, 3, 6, 10)}
    for attempt, values in samples.items():
        full = min(2 ** (attempt - 1), 30.0)
        assert all(full / 2 <= v <= full for v in values)
        assert len({round(v, 6) for v in values}) > 100  # jittered, not synchronised
    assert max(samples[10]) <= 30.0


def test_channels_sharing_a_template_share_its_rendering_unless_it_looks_at_the_channel(tmp_path: Path):
    shipped = Path(templates().directory)
    (tmp_path / "en").mkdir()
    (tmp_path / "words.yaml").write_text((shipped / "words.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "en" / "_default.j2").write_text((shipped / "en" / "_default.j2").read_text(encoding="utf-8"),
                                                 encoding="utf-8")
    (tmp_path / "en" / "onegrid.case.accepted.j2").write_text(
        '{% extends "en/_default.j2" %}{% block lead %}Sent by {{ channel }}.{% endblock %}', encoding="utf-8")
    words = templates(str(tmp_path))
    context = message_context(event_type="onegrid.case.dispatched", data={}, contact=CONTACT, audience="staff",
                              rules=load_rules(), language="en", link="x", timezone="UTC", words=words, urgent=False)
    calls: list[str] = []
    render_one = words.render

    def counted(**kwargs):
        calls.append(kwargs["channel"])
        return render_one(**kwargs)

    words.render = counted  # type: ignore[method-assign]
    shared = words.render_channels(language="en", event_type="onegrid.case.dispatched",
                                   channels=["inbox", "email", "sms"], context=context)
    assert calls == ["inbox", "sms"]  # the e-mail is the in-app message's rendering; the SMS has its own part
    assert shared["email"] == shared["inbox"] == render_one(language="en", event_type="onegrid.case.dispatched",
                                                             channel="email", context=context)
    assert shared["sms"] == render_one(language="en", event_type="onegrid.case.dispatched", channel="sms",
                                       context=context)
    calls.clear()
    own = words.render_channels(language="en", event_type="onegrid.case.accepted", channels=["inbox", "email"],
                                context={**context, "event_type": "onegrid.case.accepted"})
    assert calls == ["inbox", "email"]  # this template says which channel it went by: rendered for each
    assert "Sent by inbox." in own["inbox"].body and "Sent by email." in own["email"].body
