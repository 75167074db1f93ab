"""Assignment: the committee of the community, a mediator by language, expertise and load, the
parties' requested mediator, recusal, and the hub's reassignment across committees."""

from __future__ import annotations

from mediation_testkit import HUB, file, mediator, party

BOTH = [party("applicant", "甲", consent=True), party("respondent", "乙", consent=True)]


async def _register(client, committee: str) -> list[dict]:
    return [m for m in (await client.get("/v1/mediators", params={"committee": committee}, headers=HUB)).json() if m["active"]]


async def _accept(client, committee: str, category: str, parties=None, **body) -> dict:
    d = await file(client, committee=committee, category=category, parties=parties or BOTH)
    answer = await client.post(f"/v1/disputes/{d['id']}/accept", json={"rights_notice_given": True, **body},
                               headers=mediator(committee))
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_dispatch_style_community_picks_the_committee_and_the_hub_takes_the_rest(mediation):
    d = await file(mediation, committee=None, community="CM05", headers=HUB)
    assert d["committee"] == "M05"
    nowhere = await file(mediation, committee=None, community="CM99", headers=HUB)
    assert nowhere["committee"] == "HUB"


async def test_expertise_first_then_the_lightest_load(mediation):
    labour = sorted(m["code"] for m in await _register(mediation, "M02") if "labour" in m["expertise"])
    assert len(labour) >= 2
    assigned = [(await _accept(mediation, "M02", "C38"))["mediator"] for _ in range(len(labour) + 1)]
    assert assigned[: len(labour)] == labour  # each labour mediator once, by load
    assert assigned[-1] == labour[0]  # then round again
    loads = {m["code"]: m["load"] for m in await _register(mediation, "M02")}
    assert loads[labour[0]] == 2 and all(loads[c] == 1 for c in labour[1:])


async def test_a_party_speaking_english_gets_a_mediator_who_does(mediation):
    register = (await mediation.get("/v1/mediators", headers=HUB)).json()
    speaker = next(m for m in register if "en" in m["languages"] and m["active"])
    committee = speaker["committee"]
    english = [party("applicant", "John Smith", language="en", consent=True), party("respondent", "乙", consent=True)]
    d = await _accept(mediation, committee, "C57", parties=english)
    chosen = next(m for m in register if m["code"] == d["mediator"])
    assert "en" in chosen["languages"]


async def test_the_parties_may_ask_for_a_mediator_of_the_committee(mediation):
    register = await _register(mediation, "M01")
    no_debt = next(m["code"] for m in register if "debt" not in m["expertise"])
    d = await _accept(mediation, "M01", "C63", requested_mediator=no_debt)
    assert (d["mediator"], d["requested_mediator"]) == (no_debt, no_debt)
    other = (await _register(mediation, "M02"))[0]["code"]
    lead = await file(mediation, parties=BOTH)
    wrong = await mediation.post(f"/v1/disputes/{lead['id']}/accept", json={"rights_notice_given": True,
                                 "requested_mediator": other}, headers=mediator("M01"))
    assert wrong.status_code == 409 and "hub can reassign" in wrong.json()["detail"]
    inactive = (await mediation.get("/v1/mediators", params={"active": False}, headers=HUB)).json()[0]
    lead = await file(mediation, committee=inactive["committee"], parties=BOTH)
    off = await mediation.post(f"/v1/disputes/{lead['id']}/accept", json={"rights_notice_given": True,
                               "requested_mediator": inactive["code"]}, headers=mediator(inactive["committee"]))
    assert off.status_code == 409 and "not active" in off.json()["detail"]


async def test_recusal_hands_the_dispute_to_the_next_best_mediator(mediation):
    d = await _accept(mediation, "M02", "C38")
    first, url = d["mediator"], f"/v1/disputes/{d['id']}"
    no_reason = await mediation.post(f"{url}/recusals", json={"mediator": first, "reason": ""}, headers=mediator("M02"))
    assert no_reason.status_code == 422
    recused = await mediation.post(f"{url}/recusals", json={"mediator": first, "reason": "申请人是其表弟 / cousin of the applicant"},
                                   headers=mediator("M02"))
    body = recused.json()
    assert body["recused"] == [first] and body["mediator"] not in (None, first)
    back = await mediation.post(f"{url}/mediator", json={"mediator": first}, headers=mediator("M02"))
    assert back.status_code == 409 and "recused" in back.json()["detail"]
    twice = await mediation.post(f"{url}/recusals", json={"mediator": first, "reason": "x"}, headers=mediator("M02"))
    assert twice.status_code == 409


async def test_only_the_hub_reassigns_across_committees(mediation):
    d = await _accept(mediation, "M01", "C57")
    url = f"/v1/disputes/{d['id']}"
    refused = await mediation.post(f"{url}/reassignment", json={"committee": "M02", "reason": "x"}, headers=mediator("M01"))
    assert refused.status_code == 403 and "hub" in refused.json()["detail"]
    unknown = await mediation.post(f"{url}/reassignment", json={"committee": "M77", "reason": "x"}, headers=HUB)
    assert unknown.status_code == 422 and "M77" in unknown.json()["detail"]
    moved = await mediation.post(f"{url}/reassignment", json={"committee": "M02", "reason": "调解员与当事人同村,回避"},
                                 headers=HUB)
    assert moved.json()["committee"] == "M02"
    assert moved.json()["mediator"] in {m["code"] for m in await _register(mediation, "M02")}
    assert (await mediation.get(url, headers=mediator("M01"))).status_code == 403
    assert (await mediation.get(url, headers=mediator("M02"))).json()["personal_data"] is True
