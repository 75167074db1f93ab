"""End to end across the four services as processes on PostgreSQL and Kafka: a resident reports a
dispute at intake, dispatch sends it to mediation, the committee accepts it with the parties'
consent, holds a session, records a signed agreement, checks performance (dispatch closes the
case), visits, archives; the reporter's view and notify follow."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from onegrid_devstack.flows import ok, token, wait_for
from onegrid_devstack.stack import SERVICES, Stack
from onegrid_devstack.town import committee_of

pytestmark = pytest.mark.e2e


@pytest.fixture
def system(start_system) -> Stack:
    return start_system({"MEDIATION_TIMER_SECONDS": "1"})


def test_a_residents_dispute_report_ends_archived_in_mediation_and_closed_at_dispatch(system: Stack, demo_town):
    urls = {name: system.url(name) for name in SERVICES}
    http = httpx.Client(timeout=10)
    resident, dispatcher = token("resident", subject="r-dispute"), token("dispatcher")
    report = ok(http.post(f"{urls['intake']}/v1/reports", headers=resident, json={
        "channel": "resident_app", "category": "C62", "grid": "G095",
        "description": "邻居在出村的路上砌墙,我家车出不去 / the neighbour walled off the lane out of the village"}), 202)
    case_id = report["case_id"]
    case_url = f"{urls['dispatch']}/v1/cases/{case_id}"
    wait_for(lambda: http.get(case_url, headers=dispatcher),
             lambda r: r.status_code == 200 and r.json()["status"] == "in_mediation", "dispatch to send it to mediation")

    committee = committee_of(demo_town, "G095")
    m = token("mediator", committee=committee, subject=f"officer-{committee}")
    [lead] = wait_for(lambda: ok(http.get(f"{urls['mediation']}/v1/disputes", headers=m, params={"case_id": case_id})),
                      bool, "mediation to open the dispute")
    assert (lead["committee"], lead["source"], lead["status"], lead["case_number"]) == (
        committee, "dispatch", "opened", report["case_number"])
    d = f"{urls['mediation']}/v1/disputes/{lead['id']}"

    # Acceptance: both parties recorded, the respondent's consent comes later; without it, refused.
    ok(http.post(f"{d}/parties", headers=m, json={"role": "applicant", "name": "周建国", "phone": "13700000001",
                                                  "consent": True}), 201)
    respondent = ok(http.post(f"{d}/parties", headers=m, json={"role": "respondent", "name": "吴海", "phone": "13700000002"}), 201)
    refused = http.post(f"{d}/accept", headers=m, json={"rights_notice_given": True})
    assert refused.status_code == 409 and refused.json()["parties"] == [respondent["id"]]
    ok(http.post(f"{d}/parties/{respondent['id']}/consent", headers=m, json={"consented": True}))
    dispute = ok(http.post(f"{d}/accept", headers=m, json={"rights_notice_given": True}))
    assert dispute["status"] == "accepted" and dispute["mediator"] and dispute["deadline_at"]
    parties = [p["id"] for p in dispute["parties"]]

    meeting = ok(http.post(f"{d}/sessions", headers=m, json={"scheduled_at": "2026-12-12T14:00:00+08:00",
                                                             "place": "村委会调解室"}), 201)
    ok(http.post(f"{d}/sessions/{meeting['id']}/held", headers=m, json={
        "participants": ["周建国", "吴海", dispute["mediator"]], "minutes": "双方同意拆除围墙,留出三米通道"}))
    due = (date.today() + timedelta(days=10)).isoformat()
    agreed = ok(http.post(f"{d}/agreement", headers=m, json={
        "terms": "吴海十日内拆除围墙,留出三米通道", "signatures": [{"party_id": p} for p in parties],
        "obligations": [{"party_id": respondent["id"], "description": "拆除围墙", "due_date": due}]}))
    assert agreed["agreement_form"] == "written"
    ok(http.post(f"{d}/judicial-confirmation", headers=m, json={"court": "云阳人民法庭"}))
    assert http.get(case_url, headers=dispatcher).json()["status"] == "in_mediation"  # dispatch waits for performance

    ok(http.post(f"{d}/performance", headers=m, json={"honoured": True, "note": "围墙已拆",
                                                      "obligations": [{"index": 0, "done": True}]}))
    wait_for(lambda: ok(http.get(case_url, headers=dispatcher)), lambda c: c["status"] == "closed", "dispatch to close")
    ok(http.post(f"{d}/follow-up", headers=m, json={"note": "回访:通道畅通,双方和好"}))
    archived = ok(http.post(f"{d}/archive", headers=m))
    assert archived["status"] == "archived" and archived["honoured"] is True

    view = wait_for(lambda: ok(http.get(f"{urls['intake']}/v1/reports/{case_id}", headers=resident)),
                    lambda v: v["status"] == "closed", "the reporter's view to show closed")
    statuses = [t["status"] for t in view["timeline"]]
    assert statuses[0] == "received" and "in_mediation" in statuses and statuses[-1] == "closed"
    pdf = http.get(f"{d}/file.pdf", headers=m)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()  # the town's local date
    stats = ok(http.get(f"{urls['mediation']}/v1/stats", headers=m, params={"from": today, "to": today}))
    assert (stats["total"]["accepted"], stats["total"]["agreements"], stats["total"]["honoured"],
            stats["total"]["followed_up"], stats["total"]["judicial_confirmations"]) == (1, 1, 1, 1, 1)
    notes = wait_for(lambda: ok(http.get(f"{urls['notify']}/v1/notifications", params={"case_id": case_id},
                                         headers=dispatcher)),
                     lambda page: any(n["event_type"] == "onegrid.mediation.performed" for n in page["items"]), "notify")
    assert any(n["event_type"] == "onegrid.mediation.opened" and n["recipient"] == f"committee:{committee}"
               for n in notes["items"])
