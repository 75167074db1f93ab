"""Every step of a dispute and every refused step, through the API on PostgreSQL and Kafka."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from mediation.models import Dispute
from mediation_testkit import HUB, accepted, file, mediator, party, read_events
from onegrid_devstack.flows import token
from onegrid_runtime.db import utcnow
from sqlmodel import select

TOMORROW = (date.today() + timedelta(days=7)).isoformat()


@pytest.mark.parametrize(("source", "headers"), [
    ("application", token("resident", subject="r-1")),
    ("own_initiative", mediator("M01")),
    ("police", token("dept_staff", department="D06")),
    ("court", token("system", subject="court-system")),
    ("letters_visits", token("dept_staff", department="D18")),
])
async def test_disputes_are_taken_in_directly_with_their_source_recorded(mediation, source, headers):
    d = await file(mediation, source=source, headers=headers, source_ref="REF-1", community="CM01", committee=None)
    assert (d["source"], d["source_ref"], d["committee"], d["status"]) == (source, "REF-1", "M01", "opened")
    assert d["register_number"].startswith("YYB-TJ-")
    assert d["police_involved"] is (source == "police")


async def test_a_referrer_may_only_file_its_own_kind_of_dispute(mediation):
    body = {"source": "court", "community": "CM01", "description": "x"}
    police = await mediation.post("/v1/disputes", json=body, headers=token("dept_staff", department="D06"))
    assert police.status_code == 403 and "police" in police.json()["detail"]
    resident = await mediation.post("/v1/disputes", json={**body, "source": "own_initiative"}, headers=token("resident"))
    assert resident.status_code == 403
    other = await mediation.post("/v1/disputes", json={**body, "source": "own_initiative", "community": "CM02"},
                                 headers=mediator("M01"))
    assert other.status_code == 403 and "M02" in other.json()["detail"]
    bad = await mediation.post("/v1/disputes", json={**body, "category": "C99"}, headers=HUB)
    assert bad.status_code == 422 and "C99" in bad.json()["detail"]


async def test_acceptance_needs_both_sides_everyone_s_consent_and_the_rights_notice(mediation):
    d = await file(mediation, parties=[party("applicant", "王小明", consent=True)])
    url = f"/v1/disputes/{d['id']}"
    no_notice = await mediation.post(f"{url}/accept", json={"rights_notice_given": False}, headers=mediator("M01"))
    assert no_notice.status_code == 422 and "rights_notice_given" in no_notice.json()["detail"]
    one_side = await mediation.post(f"{url}/accept", json={"rights_notice_given": True}, headers=mediator("M01"))
    assert one_side.status_code == 409 and one_side.json()["missing_roles"] == ["respondent"]
    respondent = (await mediation.post(f"{url}/parties", json=party("respondent", "李大山"), headers=mediator("M01"))).json()
    no_consent = await mediation.post(f"{url}/accept", json={"rights_notice_given": True}, headers=mediator("M01"))
    assert no_consent.status_code == 409 and no_consent.json()["parties"] == [respondent["id"]]
    assert (await mediation.get(url, headers=mediator("M01"))).json()["status"] == "opened"
    ok = await mediation.post(f"{url}/parties/{respondent['id']}/consent", json={"consented": True}, headers=mediator("M01"))
    assert ok.status_code == 200
    done = (await mediation.post(f"{url}/accept", json={"rights_notice_given": True}, headers=mediator("M01"))).json()
    assert done["status"] == "accepted" and done["rights_notice_at"] and done["mediator"]
    assert done["deadline_at"][:10] == (utcnow() + timedelta(days=30)).date().isoformat()
    again = await mediation.post(f"{url}/accept", json={"rights_notice_given": True}, headers=mediator("M01"))
    assert again.status_code == 409


async def test_a_party_refusing_ends_the_mediation_and_tells_the_other_routes(mediation, kafka_bootstrap, topic_prefix):
    d = await file(mediation, parties=[party("applicant", "王小明", consent=True), party("respondent", "李大山")])
    respondent = next(p for p in d["parties"] if p["role"] == "respondent")
    refused = await mediation.post(f"/v1/disputes/{d['id']}/parties/{respondent['id']}/consent",
                                   json={"consented": False, "note": "不愿调解", "route": "court"}, headers=mediator("M01"))
    assert refused.status_code == 200
    assert (refused.json()["status"], refused.json()["route"], refused.json()["routes_told"]) == ("refused", "court", ["court"])
    for step, body in (("accept", {"rights_notice_given": True}), ("agreement", {"terms": "x"})):
        answer = await mediation.post(f"/v1/disputes/{d['id']}/{step}", json=body, headers=mediator("M01"))
        assert answer.status_code == 409, step
    events = await read_events(kafka_bootstrap, topic_prefix, lambda e: any(t.endswith("concluded") for t, _ in e))
    concluded = [e for t, e in events if t == "onegrid.mediation.concluded"]
    assert [(e.outcome, e.reason, e.route) for e in concluded] == [("terminated", "consent_refused", "court")]
    assert concluded[0].case_id == concluded[0].dispute_id  # a direct dispute is keyed by itself


async def test_not_accepted_with_a_reason_and_the_routes_and_no_agreement_on_it(mediation):
    d = await file(mediation)
    url = f"/v1/disputes/{d['id']}"
    no_route = await mediation.post(f"{url}/not-accepted", json={"reason": "已起诉", "routes": []}, headers=mediator("M01"))
    assert no_route.status_code == 422 and "routes" in no_route.json()["detail"]
    answer = await mediation.post(f"{url}/not-accepted", json={"reason": "法院已受理 / already before the court",
                                                                "routes": ["court", "administrative"]}, headers=mediator("M01"))
    assert answer.json()["status"] == "not_accepted" and answer.json()["routes_told"] == ["court", "administrative"]
    agreement = await mediation.post(f"{url}/agreement", json={"terms": "x"}, headers=mediator("M01"))
    assert agreement.status_code == 409 and "not_accepted" in agreement.json()["detail"]


async def test_no_agreement_on_a_lead_that_was_not_accepted(mediation):
    d = await file(mediation, parties=[party("applicant", "王小明", consent=True), party("respondent", "李大山", consent=True)])
    answer = await mediation.post(f"/v1/disputes/{d['id']}/agreement", json={"terms": "赔偿500元"}, headers=mediator("M01"))
    assert answer.status_code == 409 and "accept" in answer.json()["detail"]
    assert answer.json()["allowed_statuses"] == ["accepted"]


async def test_extension_needs_every_party_s_recorded_consent(mediation):
    d = await accepted(mediation)
    url = f"/v1/disputes/{d['id']}"
    a, b = (p["id"] for p in d["parties"])
    one = await mediation.post(f"{url}/extension", json={"days": 15, "reason": "鉴定未出", "consents": [
        {"party_id": a, "consented": True}]}, headers=mediator("M01"))
    assert one.status_code == 409 and one.json()["parties"] == [b]
    declined = await mediation.post(f"{url}/extension", json={"days": 15, "reason": "鉴定未出", "consents": [
        {"party_id": a, "consented": True}, {"party_id": b, "consented": False}]}, headers=mediator("M01"))
    assert declined.status_code == 409 and "refused" in declined.json()["detail"]
    assert (await mediation.get(url, headers=mediator("M01"))).json()["deadline_at"] == d["deadline_at"]
    both = await mediation.post(f"{url}/extension", json={"days": 15, "reason": "鉴定未出", "consents": [
        {"party_id": a, "consented": True}, {"party_id": b, "consented": True}]}, headers=mediator("M01"))
    assert both.status_code == 200 and both.json()["extensions"] == 1
    assert both.json()["deadline_at"][:10] == (utcnow() + timedelta(days=45)).date().isoformat()


async def test_the_whole_way_from_acceptance_to_archive_with_its_case_file(mediation, kafka_bootstrap, topic_prefix):
    d = await accepted(mediation)
    url, m = f"/v1/disputes/{d['id']}", mediator("M01")
    a, b = (p["id"] for p in d["parties"])
    meeting = await mediation.post(f"{url}/sessions", json={"scheduled_at": "2026-12-10T09:00:00+08:00",
                                                            "place": "社区调解室"}, headers=m)
    assert meeting.status_code == 201
    naive = await mediation.post(f"{url}/sessions", json={"scheduled_at": "2026-12-10T09:00:00", "place": "x"}, headers=m)
    assert naive.status_code == 422 and "scheduled_at" in naive.json()["detail"]
    held = await mediation.post(f"{url}/sessions/{meeting.json()['id']}/held", json={
        "participants": ["王小明", "李大山", "调解员"], "minutes": "双方陈述了漏水经过,同意请物业查看管道"}, headers=m)
    assert held.json()["status"] == "held"
    unsigned = await mediation.post(f"{url}/agreement", json={"terms": "李大山修管道并赔偿500元", "signatures": [
        {"party_id": a}]}, headers=m)
    assert unsigned.status_code == 409 and unsigned.json()["parties"] == [b]
    past = await mediation.post(f"{url}/agreement", json={"terms": "x", "obligations": [
        {"description": "赔偿", "due_date": "2020-01-01"}], "signatures": [{"party_id": a}, {"party_id": b}]}, headers=m)
    assert past.status_code == 422 and "due_date" in past.json()["detail"]
    early = await mediation.post(f"{url}/performance", json={"honoured": True}, headers=m)
    assert early.status_code == 409
    agreed = await mediation.post(f"{url}/agreement", json={
        "terms": "李大山一周内修好管道并赔偿王小明500元", "signatures": [{"party_id": a}, {"party_id": b}],
        "obligations": [{"party_id": b, "description": "修好管道", "due_date": TOMORROW},
                        {"party_id": b, "description": "赔偿500元", "due_date": TOMORROW}]}, headers=m)
    assert agreed.status_code == 200 and agreed.json()["agreement_form"] == "written"
    assert (await mediation.post(f"{url}/archive", headers=m)).status_code == 409
    confirm = await mediation.post(f"{url}/judicial-confirmation", json={"court": "云阳人民法庭"}, headers=m)
    assert confirm.status_code == 200 and confirm.json()["judicial_court"] == "云阳人民法庭"
    twice = await mediation.post(f"{url}/judicial-confirmation", json={"court": "云阳人民法庭"}, headers=m)
    assert twice.status_code == 409
    performed = await mediation.post(f"{url}/performance", json={"honoured": True, "note": "已修好已赔偿", "obligations": [
        {"index": 0, "done": True}, {"index": 1, "done": True}]}, headers=m)
    assert performed.json()["status"] == "performed" and [o["done"] for o in performed.json()["obligations"]] == [True, True]
    no_visit = await mediation.post(f"{url}/archive", headers=m)
    assert no_visit.status_code == 409 and "follow-up" in no_visit.json()["detail"]
    assert (await mediation.post(f"{url}/follow-up", json={"note": "回访:双方满意"}, headers=m)).status_code == 200
    archived = await mediation.post(f"{url}/archive", headers=m)
    assert archived.json()["status"] == "archived" and archived.json()["archived_at"]

    html = await mediation.get(f"{url}/file.html", headers=m)
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    for text in ("王小明", "13800000001", "权利义务告知", "双方陈述了漏水经过", "修好管道", "回访:双方满意", "云阳人民法庭", "archived"):
        assert text in html.text, text
    hub_html = (await mediation.get(f"{url}/file.html", headers=HUB)).text
    assert "王小明" not in hub_html and "王**" in hub_html and "13800000001" not in hub_html
    pdf = await mediation.get(f"{url}/file.pdf", headers=m)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and b"STSong-Light" in pdf.content and len(pdf.content) > 3000
    assert (await mediation.get(f"{url}/file.pdf", headers=mediator("M02"))).status_code == 403

    types = lambda events: [t for t, _ in events]
    events = await read_events(kafka_bootstrap, topic_prefix, lambda e: "onegrid.mediation.performed" in types(e))
    assert types(events) == ["onegrid.mediation.opened", "onegrid.mediation.concluded", "onegrid.mediation.performed"]


async def test_judicial_confirmation_is_refused_after_thirty_days(mediation):
    d = await accepted(mediation)
    url, m = f"/v1/disputes/{d['id']}", mediator("M01")
    signatures = [{"party_id": p["id"]} for p in d["parties"]]
    await mediation.post(f"{url}/agreement", json={"terms": "x", "signatures": signatures}, headers=m)
    async with mediation.app.state.db.transaction() as s:
        row = (await s.exec(select(Dispute).where(Dispute.id == d["id"]))).one()
        row.concluded_at = utcnow() - timedelta(days=31)
        s.add(row)
    late = await mediation.post(f"{url}/judicial-confirmation", json={"court": "法庭"}, headers=m)
    assert late.status_code == 409 and "30 days" in late.json()["detail"]


async def test_termination_gives_the_route_and_the_case_file_can_be_archived(mediation, kafka_bootstrap, topic_prefix):
    d = await accepted(mediation)
    url, m = f"/v1/disputes/{d['id']}", mediator("M01")
    bad = await mediation.post(f"{url}/termination", json={"route": "heaven", "reason": "x"}, headers=m)
    assert bad.status_code == 422 and "route" in bad.json()["detail"]
    ended = await mediation.post(f"{url}/termination", json={"route": "court", "reason": "双方分歧太大",
                                                             "routes_told": ["arbitration"]}, headers=m)
    assert (ended.json()["status"], ended.json()["routes_told"]) == ("terminated", ["court", "arbitration"])
    assert (await mediation.post(f"{url}/agreement", json={"terms": "x"}, headers=m)).status_code == 409
    assert (await mediation.post(f"{url}/archive", headers=m)).json()["status"] == "archived"
    events = await read_events(kafka_bootstrap, topic_prefix, lambda e: any(t.endswith("concluded") for t, _ in e))
    concluded = next(e for t, e in events if t.endswith("concluded"))
    assert (concluded.outcome, concluded.route, concluded.reason) == ("terminated", "court", "mediation_failed")


async def test_scope_and_personal_data(mediation):
    d = await accepted(mediation)
    url = f"/v1/disputes/{d['id']}"
    assert (await mediation.get(url, headers=mediator("M02"))).status_code == 403
    assert (await mediation.post(f"{url}/facts", json={"text": "x"}, headers=mediator("M02"))).status_code == 403
    assert d["id"] not in [x["id"] for x in (await mediation.get("/v1/disputes", headers=mediator("M02"))).json()]
    own = (await mediation.get(url, headers=mediator("M01"))).json()
    assert own["personal_data"] and {p["name"] for p in own["parties"]} == {"王小明", "李大山"}
    for viewer in (HUB, token("dispatcher"), token("dept_staff", department="D05")):
        seen = (await mediation.get(url, headers=viewer)).json()
        assert not seen["personal_data"] and {p["name"] for p in seen["parties"]} == {"王**", "李**"}
        assert {p["phone"] for p in seen["parties"]} == {"138******01", "138******02"}
    assert (await mediation.get(url, headers=token("dept_staff", department="D06"))).status_code == 403
    assert (await mediation.get(url, headers=token("resident"))).status_code == 403
