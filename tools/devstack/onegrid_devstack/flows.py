"""The two walking-skeleton journeys through the public APIs, shared by `make smoke` and the
end-to-end tests: an ordinary report (dispatch → department → verification → closed) and a
civil dispute (mediation → agreement → closed)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx

from onegrid_runtime.auth import issue_token
from onegrid_runtime.settings import DEV_JWT_SECRET

T = TypeVar("T")


def token(role: str, secret: str = DEV_JWT_SECRET, **scope: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(secret, role=role, **scope)}"}


def wait_for(fetch: Callable[[], T], done: Callable[[T], bool], what: str, timeout: float = 30.0) -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = fetch()
        if done(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}; last: {value}")
        time.sleep(0.05)


def ok(response: httpx.Response, *expected: int) -> Any:
    if response.status_code not in (expected or (200,)):
        raise AssertionError(f"{response.request.method} {response.request.url} -> {response.status_code}: {response.text}")
    return response.json()


@dataclass
class Journey:
    case_id: str = ""
    case_number: str = ""
    started: float = field(default_factory=time.monotonic)
    steps: list[tuple[str, float]] = field(default_factory=list)

    def step(self, name: str) -> None:
        self.steps.append((name, time.monotonic() - self.started))


def ordinary_report(urls: dict[str, str], *, lat: float, lon: float, resident: str = "resident-smoke") -> Journey:
    journey = Journey()
    http = httpx.Client(timeout=10)
    dispatcher = token("dispatcher")
    accepted = ok(http.post(f"{urls['intake']}/v1/reports", headers=token("resident", subject=resident), json={
        "channel": "resident_app", "category": "C08", "location": {"lat": lat, "lon": lon},
        "description": "路口三盏路灯晚上都不亮 / three streetlights out at the crossing"}), 202)
    journey.case_id, journey.case_number = accepted["case_id"], accepted["case_number"]
    journey.step("reported")
    case_url = f"{urls['dispatch']}/v1/cases/{journey.case_id}"
    case = wait_for(lambda: http.get(case_url, headers=dispatcher), lambda r: r.status_code == 200
                    and r.json()["status"] == "dispatched", "the case to be dispatched").json()
    journey.step(f"dispatched to {case['department']}")
    staff = token("dept_staff", department=case["department"])
    queue = ok(http.get(f"{urls['dispatch']}/v1/cases", headers=staff, params={"status": "dispatched", "limit": 500}))
    assert journey.case_id in [c["id"] for c in queue["items"]], "the case is not in the department's queue"
    ok(http.post(f"{case_url}/accept", headers=staff))
    journey.step("accepted")
    ok(http.post(f"{case_url}/resolve", headers=staff, json={"note": "replaced the lamps",
                                                              "evidence_urls": ["https://example.org/p.jpg"]}))
    journey.step("resolved")
    ok(http.post(f"{case_url}/verify", headers=token("grid_member", grid=accepted["grid"]), json={"note": "all lit"}))
    journey.step("verified and closed")
    wait_for(lambda: ok(http.get(f"{urls['intake']}/v1/reports/{journey.case_id}", headers=token("resident", subject=resident))),
             lambda v: v["status"] == "closed", "the reporter's view to show closed")
    journey.step("reporter sees closed")
    return journey


def dispute(urls: dict[str, str], *, grid: str, resident: str = "resident-smoke") -> Journey:
    journey = Journey()
    http = httpx.Client(timeout=10)
    dispatcher = token("dispatcher")
    accepted = ok(http.post(f"{urls['intake']}/v1/reports", headers=token("resident", subject=resident), json={
        "channel": "resident_app", "category": "C61", "grid": grid,
        "description": "两家为宅基地地界石吵了好几次 / neighbours keep fighting over the boundary stone"}), 202)
    journey.case_id, journey.case_number = accepted["case_id"], accepted["case_number"]
    journey.step("reported")
    case_url = f"{urls['dispatch']}/v1/cases/{journey.case_id}"
    wait_for(lambda: http.get(case_url, headers=dispatcher),
             lambda r: r.status_code == 200 and r.json()["status"] == "in_mediation", "the case to go to mediation")
    journey.step("sent to mediation")
    disputes = wait_for(lambda: ok(http.get(f"{urls['mediation']}/v1/disputes", headers=dispatcher,
                                            params={"case_id": journey.case_id})), bool, "the dispute to open")
    committee = disputes[0]["committee"]
    journey.step(f"opened by committee {committee}")
    mediator = token("mediator", committee=committee)
    ok(http.post(f"{urls['mediation']}/v1/disputes/{disputes[0]['id']}/agreement", headers=mediator,
                 json={"terms": "界石按1998年承包合同位置重立,双方各承担一半费用"}))
    journey.step("agreement recorded")
    ok(http.post(f"{urls['mediation']}/v1/disputes/{disputes[0]['id']}/performance", headers=mediator,
                 json={"honoured": True, "note": "界石已重立"}))
    journey.step("agreement honoured")
    wait_for(lambda: ok(http.get(case_url, headers=dispatcher)), lambda c: c["status"] == "closed", "dispatch to close the case")
    journey.step("closed by dispatch")
    wait_for(lambda: ok(http.get(f"{urls['intake']}/v1/reports/{journey.case_id}", headers=token("resident", subject=resident))),
             lambda v: v["status"] == "closed", "the reporter's view to show closed")
    journey.step("reporter sees closed")
    return journey
