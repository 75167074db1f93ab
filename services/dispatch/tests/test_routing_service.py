"""Routing in service, on PostgreSQL and Kafka: rules (catalog, overrides by community and keyword,
model-decided categories), the learned model (cold start, confidence threshold, triage with
suggestions), returns (next candidate, triage, ping-pong ruling), retraining and atomic swaps."""

from __future__ import annotations

import asyncio

from dispatch.learning import closed_case_examples
from dispatch.main import build_app
from dispatch.models import RoutingModelRecord
from dispatch_testkit import DISPATCHER, Town, member, settings_for, staff
from sqlmodel import select

EVIDENCE = ["https://files.example.org/p.jpg"]


def ok(answer, status: int = 200) -> dict:
    assert answer.status_code == status, answer.text
    return answer.json()


async def test_rules_route_by_catalog_and_by_overrides_held_as_data(town: Town):
    catalog = await town.report(category="C01", community="CM01", description="垃圾没人清")
    assert (catalog["department"], catalog["routing"]["rule_id"]) == ("D07", "catalog:C01")
    override = await town.report(category="C01", community="CM07", grid="G080", description="垃圾没人清")
    assert (override["department"], override["routing"]["rule_id"]) == ("D11", "community:CM07-garbage")
    gas = await town.report(category=None, description="楼下一股很浓的煤气味，大家都很害怕")
    assert (gas["department"], gas["co_departments"], gas["urgent"]) == ("D08", ["D19"], True)
    assert gas["routing"]["rule_id"] == "keyword:gas-smell" and gas["deadline_clock"] == "clock"
    # A category the rules leave to the model: the text decides, and the decision says so.
    petition = await town.report(category="C55", description="反映多次了，路灯坏了三个月还是没人修")
    assert petition["routing"]["method"] == "model" and petition["routing"]["rule_id"] == "model:C55"
    events = await town.events(gas["id"], until=lambda e: len(e) >= 1)
    decision = events[0][1]["routing"]
    assert (decision["method"], decision["rule_id"], decision["confidence"]) == ("rule", "keyword:gas-smell", 1.0)


async def test_cold_start_model_routes_confident_free_text_and_sends_the_rest_to_triage_with_suggestions(town: Town):
    models = ok(await town.client.get("/v1/routing/models", headers=DISPATCHER))
    assert [(m["kind"], m["source"], m["active"]) for m in models] == [("cold", "descriptions", True)]
    version = models[0]["version"]

    road = await town.report(category=None, description="村里的公路路面破损严重，有大坑")
    assert road["status"] == "dispatched" and road["department"] == "D15"
    routing = road["routing"]
    assert routing["method"] == "model" and routing["model_version"] == version
    assert routing["confidence"] >= routing["threshold"] and len(routing["candidates"]) == 3
    assert routing["candidates"][0] == {"department": "D15", "score": routing["confidence"]}
    detail = ok(await town.client.get(f"/v1/cases/{road['id']}", headers=DISPATCHER))
    assert detail["actions"][1]["note"] == f"{version} score {routing['confidence']}"

    vague = await town.report(category=None, description="你好，请问一下")
    assert vague["status"] == "triage" and vague["department"] is None
    assert vague["routing"]["confidence"] < vague["routing"]["threshold"] and len(vague["routing"]["candidates"]) == 3
    queue = ok(await town.client.get("/v1/triage", headers=DISPATCHER))
    assert [c["id"] for c in queue["items"]] == [vague["id"]]
    assert (await town.client.get("/v1/triage", headers=staff("D11"))).status_code == 403
    events = await town.events(vague["id"], until=lambda e: len(e) >= 1)
    assert events[0][0] == "onegrid.case.triaged"
    assert events[0][1]["routing"]["model_version"] == version and len(events[0][1]["routing"]["candidates"]) == 3

    manual = ok(await town.client.post(f"/v1/cases/{vague['id']}/dispatch", headers=DISPATCHER,
                                       json={"department": "D02", "note": "called back: allowance question"}))
    assert manual["department"] == "D02" and manual["routing"]["method"] == "manual"


async def test_returns_go_to_the_next_candidate_then_triage_and_a_ping_pong_goes_to_a_ruling(
        make_database, kafka_bootstrap, topic_prefix, start_service, producer):
    settings = settings_for(make_database("dispatch"), kafka_bootstrap, topic_prefix, next_candidate_min_score=0.0)
    app = build_app(settings)
    client = await start_service(app)
    client.app = app
    town = Town(client, producer, topic_prefix, kafka_bootstrap)

    case = await town.report(category=None, description="村里的公路路面破损严重，有大坑")
    first = case["department"]
    candidates = [c["department"] for c in case["routing"]["candidates"]]
    assert first == candidates[0]
    url = f"/v1/cases/{case['id']}"
    second = ok(await client.post(f"{url}/return", headers=staff(first), json={"reason": "not ours"}))
    assert (second["status"], second["department"], second["hop"], second["return_count"]) == ("dispatched", candidates[1], 1, 1)
    third = ok(await client.post(f"{url}/return", headers=staff(candidates[1]), json={"reason": "not ours either"}))
    assert third["department"] == candidates[2] and third["hop"] == 2
    triage = ok(await client.post(f"{url}/return", headers=staff(candidates[2]), json={"reason": "nor ours"}))
    assert triage["status"] == "triage" and triage["hop"] == 3 and triage["returned_by"] == candidates
    suggested = [c["department"] for c in triage["routing"]["suggestions"]["candidates"]]
    assert len(suggested) == 3 and not set(suggested) & set(candidates)

    # The dispatcher sends it back to the first department; it returns it again: a ping-pong, for a ruling.
    ok(await client.post(f"{url}/dispatch", headers=DISPATCHER, json={"department": first, "note": "it is yours"}))
    ruling = ok(await client.post(f"{url}/return", headers=staff(first), json={"reason": "still not ours"}))
    assert ruling["status"] == "return_requested" and ruling["hop"] == 4
    overruled = ok(await client.post(f"{url}/overrule-return", headers=DISPATCHER, json={"note": "roads are yours"}))
    assert (overruled["status"], overruled["department"]) == ("dispatched", first)
    ok(await client.post(f"{url}/return", headers=staff(first), json={"reason": "we insist"}))
    same = await client.post(f"{url}/uphold-return", headers=DISPATCHER, json={"department": first})
    assert same.status_code == 422 and "overrule" in same.json()["detail"]
    upheld = ok(await client.post(f"{url}/uphold-return", headers=DISPATCHER, json={"department": "D08", "note": "emergency office"}))
    assert (upheld["status"], upheld["department"]) == ("dispatched", "D08")

    events = await town.events(case["id"], until=lambda e: sum(t.endswith("return_ruled") for t, _ in e) >= 2)
    kinds = [t.rsplit(".", 1)[1] for t, _ in events]
    assert kinds == ["dispatched", "returned", "dispatched", "returned", "dispatched", "returned", "triaged", "dispatched",
                     "returned", "return_ruled", "dispatched", "returned", "return_ruled", "dispatched"]
    nexts = [d["next"] for t, d in events if t.endswith("returned")]
    assert nexts == ["next_candidate", "next_candidate", "triage", "ruling", "ruling"]
    assert [d["ruling"] for t, d in events if t.endswith("return_ruled")] == ["overrule", "uphold"]


async def test_retraining_from_closed_cases_and_csv_swaps_the_active_version_atomically(town: Town):
    client = town.client
    cold = ok(await client.get("/v1/routing/models", headers=DISPATCHER))[0]["version"]
    # A case dispatched to D11, reassigned to D15, resolved by D15: it teaches "D15", not "D11".
    case = await town.report(category=None, description="小区门口的路灯坏了好几天，晚上一片漆黑")
    url = f"/v1/cases/{case['id']}"
    ok(await client.post(f"{url}/dispatch", headers=DISPATCHER, json={"department": "D11"}))
    ok(await client.post(f"{url}/reassign", headers=DISPATCHER, json={"department": "D15", "note": "rural road: transport"}))
    ok(await client.post(f"{url}/accept", headers=staff("D15")))
    ok(await client.post(f"{url}/resolve", headers=staff("D15"), json={"note": "filled", "evidence_urls": EVIDENCE}))
    ok(await client.post(f"{url}/verify", headers=member("G003"), json={}))
    async with client.app.state.db.transaction() as session:
        assert await closed_case_examples(session=session, jurisdiction="YYB") == [(case["description"], "D15")]

    bad = await client.post("/v1/routing/models", headers={**DISPATCHER, "Content-Type": "text/csv"},
                            content="text,department\n路灯坏了,D11\n井盖没了,D99\n".encode())
    assert bad.status_code == 422 and "line 3" in bad.json()["detail"] and "D99" in bad.json()["detail"]
    rows = "text,department\n" + "".join(f"村里那条路又塌了一块 {i},D15\n楼道堆满杂物 {i},D19\n" for i in range(15))
    # Routing goes on while the new version trains.
    trained, routed = await asyncio.gather(
        client.post("/v1/routing/models?from_closed_cases=true", headers={**DISPATCHER, "Content-Type": "text/csv"},
                    content=rows.encode()),
        town.report(category="C08"))
    assert routed["status"] == "dispatched"
    learned = ok(trained, 201)
    assert learned["kind"] == "learned" and learned["source"] == "closed_cases+csv" and learned["active"]
    assert learned["details"]["examples"] == 31
    listed = ok(await client.get("/v1/routing/models", headers=DISPATCHER))
    assert [m["version"] for m in listed if m["active"]] == [learned["version"]]

    new = await town.report(category=None, description="村里那条路塌了，车过不去")
    assert new["routing"]["model_version"] == learned["version"]

    rolled_back = ok(await client.post(f"/v1/routing/models/{cold}/activate", headers=DISPATCHER))
    assert rolled_back["active"]
    async with client.app.state.db.transaction() as session:
        active = (await session.exec(select(RoutingModelRecord.version).where(RoutingModelRecord.active))).all()
    assert active == [cold]
    assert (await client.post("/v1/routing/models/nope/activate", headers=DISPATCHER)).status_code == 404
    preview = ok(await client.post("/v1/routing/predict", headers=DISPATCHER, json={"text": "路灯不亮"}))
    assert preview["model_version"] == cold and preview["department"] == "D11"
