"""民转刑 early warning: the rules (held as data) in Chinese and English, the red warning for the
police station and the Judicial Office, the watch list, lowering with a reason, rescreening."""

from __future__ import annotations

import pytest
from mediation.risk import load_rules, screen
from mediation_testkit import accepted, file, mediator, party, read_events
from onegrid_devstack.flows import token

RULES = load_rules()


def colour(text: str, **kw) -> tuple[str, list[str]]:
    args = {"category_flagged": False, "category": "C57", "earlier_disputes": 0, "police_involved": False,
            "vulnerable": [], **kw}
    result = screen(rules=RULES, texts=[text], **args)
    return result.colour, sorted(result.codes)


@pytest.mark.parametrize(("text", "expected"), [
    ("他说再不还钱就杀了他全家", ("red", ["threat:lethal"])),
    ("扬言要和对方同归于尽", ("red", ["threat:lethal"])),
    ("He said he would kill the neighbour", ("red", ["threat:lethal"])),
    ("threatened to burn down their barn", ("red", ["threat:lethal"])),
    ("两家为地界石打架", ("yellow", ["threat:violence"])),
    ("They had a fistfight; he punched him", ("yellow", ["threat:violence"])),
    ("邻居天天吵架,互相辱骂", ("yellow", ["threat:hostility"])),
    ("neighbours quarrelled about parking", ("yellow", ["threat:hostility"])),
    ("楼上漏水邻居不管", ("blue", [])),
    ("he hit my son with a stick", ("yellow", ["threat:violence"])),
    ("a skill shared by the killdeer", ("blue", [])),  # words, not fragments, in English
])
def test_threat_words_in_both_languages(text, expected):
    assert colour(text) == expected


def test_the_strongest_threat_level_counts_once_and_rules_add_up():
    assert colour("吵架后动手打人,还骂人")[0] == "yellow"  # violence 4, not 4 + 2
    assert colour("两家为地界石打架", category_flagged=True, category="C61")[0] == "orange"  # 3 + 4
    assert colour("两家为地界石打架", category_flagged=True, category="C61", earlier_disputes=1) == (
        "red", ["category:C61", "repeat", "threat:violence"])  # 3 + 4 + 3
    assert colour("after the fight he called the police")[1] == ["police", "threat:violence"]
    assert colour("楼上漏水", police_involved=True, vulnerable=["aged_80_plus"]) == ("orange", ["police", "vulnerable"])
    assert colour("楼上漏水", vulnerable=["living_alone"])[0] == "yellow"
    assert colour("楼上漏水", earlier_disputes=2)[0] == "orange"  # many repeats weigh more


async def test_red_warns_the_police_and_the_judicial_office_and_stays_on_the_watch_list(mediation, kafka_bootstrap, topic_prefix):
    d = await file(mediation, category="C63", description="借钱三年不还,扬言拼命 / he says he will kill me")
    assert (d["risk_colour"], d["watch"]) == ("red", True)
    assert any("拼命" in r["text"] and "kill" in r["text"] for r in d["risk_reasons"])
    police = token("dept_staff", department="D06")
    watch = (await mediation.get("/v1/watchlist", headers=police)).json()
    assert [w["id"] for w in watch] == [d["id"]]
    assert [w["id"] for w in (await mediation.get("/v1/disputes", headers=police)).json()] == [d["id"]]
    assert (await mediation.get("/v1/watchlist", headers=mediator("M02"))).json() == []

    events = await read_events(kafka_bootstrap, topic_prefix, lambda e: any(t.endswith("risk_warning") for t, _ in e))
    warning = next(e for t, e in events if t == "onegrid.mediation.risk_warning")
    assert (warning.dispute_id.hex, warning.colour, warning.warn_departments) == (d["id"].replace("-", ""), "red", ["D06", "D05"])

    # Red is never concluded on the spot nor archived while watched; a person lowers it with a reason.
    url = f"/v1/disputes/{d['id']}"
    no_reason = await mediation.post(f"{url}/risk/lower", json={"colour": "yellow", "reason": ""}, headers=mediator("M01"))
    assert no_reason.status_code == 422 and "reason" in no_reason.json()["detail"]
    lowered = await mediation.post(f"{url}/risk/lower", json={"colour": "yellow", "reason": "民警已约谈,双方情绪平稳"},
                                   headers=mediator("M01"))
    assert (lowered.json()["risk_colour"], lowered.json()["watch"]) == ("yellow", False)
    assert (await mediation.get("/v1/watchlist", headers=police)).json() == []
    again = await mediation.post(f"{url}/risk/lower", json={"colour": "blue", "reason": "x"}, headers=mediator("M01"))
    assert again.status_code == 409

    # Screening reruns on new facts: the same reasons keep the person's colour, a new one raises red again.
    calm = await mediation.post(f"{url}/facts", json={"text": "双方同意下周见面"}, headers=mediator("M01"))
    assert (calm.json()["risk_colour"], calm.json()["watch"]) == ("yellow", False)
    worse = await mediation.post(f"{url}/facts", json={"text": "对方昨晚带人堵门", "police_involved": True},
                                 headers=mediator("M01"))
    assert (worse.json()["risk_colour"], worse.json()["watch"]) == ("red", True)
    events = await read_events(kafka_bootstrap, topic_prefix,
                               lambda e: sum(t.endswith("risk_warning") for t, _ in e) >= 2)
    assert [t.rsplit(".", 1)[-1] for t, _ in events if "risk" in t] == ["risk_warning", "risk_lowered", "risk_warning"]


async def test_minutes_are_new_facts_and_a_session_threat_raises_red(mediation):
    d = await accepted(mediation)
    assert d["risk_colour"] == "blue"
    url, m = f"/v1/disputes/{d['id']}", mediator("M01")
    meeting = (await mediation.post(f"{url}/sessions", json={"scheduled_at": "2026-12-10T09:00:00+08:00", "place": "调解室"},
                                    headers=m)).json()
    await mediation.post(f"{url}/sessions/{meeting['id']}/held", json={
        "participants": ["王小明", "李大山"], "minutes": "李大山当场说要拿刀砍死对方"}, headers=m)
    now = (await mediation.get(url, headers=m)).json()
    assert (now["risk_colour"], now["watch"]) == ("red", True)


async def test_repeated_disputes_between_the_same_parties_or_households_raise_the_risk(mediation):
    people = [party("applicant", "王小明", phone="13800000001", consent=True),
              party("respondent", "李大山", phone="13800000002", household_id="H000002", consent=True)]
    first = await file(mediation, parties=people)
    assert first["recurrence"] is False and first["risk_colour"] == "blue"
    second = await file(mediation, parties=people, description="又漏水了 / leaking again")
    assert second["recurrence"] is True and any(r["code"] == "repeat" for r in second["risk_reasons"])
    other = await file(mediation, parties=[people[0], party("respondent", "赵四", phone="13800000009")])
    assert other["recurrence"] is False  # one shared party is not the same dispute between the same parties


async def test_vulnerable_parties_from_the_residents_register(mediation, demo_town):
    import csv
    import io

    rows = csv.DictReader(io.StringIO((demo_town / "residents.csv").read_text(encoding="utf-8")))
    old = next(r for r in rows if "aged_80_plus" in r["flags"])
    d = await file(mediation, parties=[party("applicant", old["name"], resident_id=old["resident_id"])])
    assert "aged_80_plus" in d["parties"][0]["vulnerable"] and d["parties"][0]["household_id"] == old["household_id"]
    assert any(r["code"] == "vulnerable" for r in d["risk_reasons"]) and d["risk_colour"] == "yellow"
