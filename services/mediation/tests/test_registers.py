"""The registers: the demo town seeds 12 committees and 60 mediators; rules are enforced on CSV
import and API edits; only the hub (or the committee, for its mediators) edits."""

from __future__ import annotations

import pytest
from mediation.models import Committee, Mediator
from mediation_testkit import HUB, mediator
from onegrid_devstack.flows import token
from sqlmodel import func, select


async def _count(app, model) -> int:
    async with app.state.db.transaction() as s:
        return (await s.exec(select(func.count()).select_from(model))).one()


async def test_the_demo_town_seeds_twelve_committees_the_hub_and_sixty_mediators(mediation):
    committees = (await mediation.get("/v1/committees", headers=HUB)).json()
    regular = [c for c in committees if c["kind"] == "committee"]
    assert len(regular) == 12 and {c["code"] for c in committees} >= {"HUB", "M01", "M12"}
    assert all(3 <= c["members"] <= 9 and c["women_members"] >= 1 for c in regular)
    assert next(c for c in regular if c["code"] == "M01")["community"] == "CM01"
    mediators = (await mediation.get("/v1/mediators", headers=HUB)).json()
    assert len(mediators) == 60 and sum(not m["active"] for m in mediators) == 2
    md001 = next(m for m in mediators if m["code"] == "MD001")
    assert md001["committee"] == "M01" and md001["expertise"] == ["debt"] and md001["languages"] == ["zh"]
    assert md001["phone"]  # the hub sees phones


async def test_mediator_phones_are_for_their_committee_and_the_hub_only(mediation):
    own = (await mediation.get("/v1/mediators", params={"committee": "M01"}, headers=mediator("M01"))).json()
    other = (await mediation.get("/v1/mediators", params={"committee": "M01"}, headers=mediator("M02"))).json()
    assert all(m["phone"] for m in own) and not any(m["phone"] for m in other)
    assert (await mediation.get("/v1/mediators", headers=token("resident"))).status_code == 403


@pytest.mark.parametrize(("body", "named"), [
    ({"members": 2, "women_members": 1}, "members"),
    ({"members": 10, "women_members": 1}, "members"),
    ({"members": 5, "women_members": 0}, "women_members"),
    ({"members": 5, "women_members": 6}, "women_members"),
])
async def test_committee_member_rules_are_enforced_on_create_and_edit(mediation, body, named):
    base = {"code": "M13", "name_en": "New", "name_zh": "新调委会", "community": "CM13"}
    created = await mediation.post("/v1/committees", json={**base, **body}, headers=HUB)
    assert created.status_code == 422 and named in created.text
    edited = await mediation.patch("/v1/committees/M01", json=body, headers=HUB)
    assert edited.status_code == 422 and named in edited.text
    assert await _count(mediation.app, Committee) == 13


async def test_only_the_hub_registers_committees_and_a_committee_edits_its_own_mediators(mediation):
    body = {"code": "M13", "name_en": "New", "name_zh": "新调委会", "community": "CM13", "members": 3, "women_members": 1}
    assert (await mediation.post("/v1/committees", json=body, headers=mediator("M01"))).status_code == 403
    assert (await mediation.post("/v1/committees", json=body, headers=HUB)).status_code == 201
    assert (await mediation.patch("/v1/committees/M13", json={"members": 7}, headers=HUB)).json()["members"] == 7

    new = {"code": "MD061", "committee": "M13", "name": "周敏", "gender": "F", "expertise": ["family", "land"],
           "languages": ["zh", "en"]}
    assert (await mediation.post("/v1/mediators", json=new, headers=mediator("M01"))).status_code == 403
    assert (await mediation.post("/v1/mediators", json=new, headers=mediator("M13"))).status_code == 201
    bad = await mediation.post("/v1/mediators", json={**new, "code": "MD062", "expertise": ["astrology"]}, headers=HUB)
    assert bad.status_code == 422 and "expertise" in bad.text
    off = await mediation.patch("/v1/mediators/MD061", json={"active": False, "expertise": ["debt"]}, headers=mediator("M13"))
    assert off.status_code == 200 and off.json()["active"] is False and off.json()["expertise"] == ["debt"]
    move = await mediation.patch("/v1/mediators/MD061", json={"committee": "M01"}, headers=mediator("M13"))
    assert move.status_code == 403 and "hub" in move.json()["detail"]
    assert (await mediation.patch("/v1/mediators/MD999", json={"active": False}, headers=HUB)).status_code == 404


async def test_csv_import_takes_every_row_or_none_and_names_the_line(mediation):
    good = "code,name_en,name_zh,community,members,women_members\nM20,A,甲,CM20,5,2\nM21,B,乙,CM21,3,1\n"
    bad = good + "M22,C,丙,CM22,12,1\n"
    refused = await mediation.post("/v1/committees/import", content=bad.encode(), headers={**HUB, "Content-Type": "text/csv"})
    assert refused.status_code == 422 and "line 4" in refused.json()["detail"] and "members" in refused.json()["detail"]
    assert await _count(mediation.app, Committee) == 13
    done = await mediation.post("/v1/committees/import", content=good.encode(), headers={**HUB, "Content-Type": "text/csv"})
    assert done.status_code == 200 and done.json() == {"imported": 2}
    mediators = "code,committee,name,gender,expertise,languages,phone,active\nMD070,M20,赵一,F,family;debt,zh;en,13900000000,true\n"
    unknown = mediators + "MD071,M99,钱二,M,land,zh,,true\n"
    answer = await mediation.post("/v1/mediators/import", content=unknown.encode(), headers={**HUB, "Content-Type": "text/csv"})
    assert answer.status_code == 422 and "M99" in answer.json()["detail"]
    assert await _count(mediation.app, Mediator) == 60
    answer = await mediation.post("/v1/mediators/import", content=mediators.encode(), headers={**HUB, "Content-Type": "text/csv"})
    assert answer.json() == {"imported": 1}
    assert (await mediation.post("/v1/mediators/import", content=mediators.encode(),
                                 headers={**mediator("M20"), "Content-Type": "text/csv"})).status_code == 403
