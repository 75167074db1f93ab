"""The Open311 GeoReport v2 facade, read by an independent client (the PyPI package ``georeport``)
from a running intake, answers validated against the published Open311 JSON Schemas; and an
Open311 POST followed through dispatch until the case is dispatched."""

from __future__ import annotations

import asyncio
import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jsonschema
import pytest
from georeport import GeoReport
from intake_testing import OPEN311_KEY as KEY
from onegrid_devstack.flows import token
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

SCHEMAS = Path(__file__).parent / "data"
POINT = {"lat": "30.2510", "long": "120.1010"}


def _validator(name: str) -> jsonschema.Validator:
    registry = Registry().with_resources(
        (path.name, Resource.from_contents(json.loads(path.read_text()), default_specification=DRAFT7))
        for path in SCHEMAS.glob("*.json"))
    return jsonschema.Draft7Validator(json.loads((SCHEMAS / name).read_text()), registry=registry)


def _valid(name: str, data) -> None:
    errors = sorted(_validator(name).iter_errors(data), key=str)
    assert not errors, [e.message for e in errors[:5]]
    if name.startswith("request"):
        for item in data if isinstance(data, list) else [data]:
            for field in ("requested_datetime", "updated_datetime", "expected_datetime"):
                if item.get(field):
                    assert datetime.fromisoformat(item[field]).tzinfo is not None


async def _post(client, fmt: str = "json", **form):
    return await client.post(f"/open311/v2/requests.{fmt}", data={"api_key": KEY, **form})


async def test_georeport_client_reads_services_definitions_and_requests(served):
    root = str(served.base_url).rstrip("/") + "/open311/v2"
    client = GeoReport(root, jurisdiction="YYB")
    services = await asyncio.to_thread(client.get_service_list)
    _valid("services.json", services)
    codes = {s["service_code"] for s in services}
    assert {"C01", "C08", "C61", "OTHER"} <= codes and len(services) == 67
    definition = await asyncio.to_thread(client.get_service_definition, "C08")
    _valid("service-definition.json", definition)
    assert {a["code"] for a in definition["attributes"]} == {"danger", "occurred_at"}

    made = await _post(served, service_code="C08", description="三盏路灯不亮, 电话13812345678", **POINT,
                       first_name="芳", last_name="王", phone="13812345678", media_url="https://example.org/p.jpg",
                       **{"attribute[danger]": "property"})
    assert made.status_code == 200, made.text
    [answer] = made.json()
    request_id, tok = answer["service_request_id"], answer["token"]

    requests_ = await asyncio.to_thread(client.get_service_requests)
    _valid("requests.json", requests_)
    [mine] = [r for r in requests_ if r["service_request_id"] == request_id]
    assert mine["status"] == "open" and mine["service_code"] == "C08" and mine["media_url"] == "https://example.org/p.jpg"
    assert "13812345678" not in json.dumps(requests_) and "138****5678" in mine["description"]  # no personal data
    one = await asyncio.to_thread(client.get_service_request, request_id)
    _valid("request.json", one)
    assert one["service_request_id"] == request_id and one["status_notes"]

    # The same through XML, parsed by the client.
    xml_client = GeoReport(root, output_format="xml")
    xml_services = await asyncio.to_thread(xml_client.get_service_list)
    assert {s["service_code"] for s in xml_services} == codes
    xml_one = await asyncio.to_thread(xml_client.get_service_request, request_id)
    assert xml_one["service_request_id"] == request_id and xml_one["status"] == "open"
    xml_definition = await asyncio.to_thread(xml_client.get_service_definition, "C08")
    assert xml_definition["service_code"] == "C08"

    token_answer = (await served.get(f"/open311/v2/tokens/{tok}.json")).json()
    assert token_answer == [{"service_request_id": request_id, "token": tok}]
    discovery = (await served.get("/open311/v2/discovery.json")).json()
    assert discovery["endpoints"][0]["url"].endswith("/open311/v2")
    assert ET.fromstring((await served.get("/open311/v2/discovery.xml")).content).tag == "discovery"

    # The case behind it is intake's ordinary case: channel open311, danger hint, reporter's phone.
    view = (await served.get(f"/v1/reports/{request_id}", headers=token("dispatcher"))).json()
    assert view["danger_to_property"] is True and view["reporter"]["phone"] == "13812345678"


@pytest.mark.parametrize(
    ("form", "status", "named"),
    [
        ({"api_key": ""}, 403, "api_key"),
        ({"api_key": "wrong"}, 403, "api_key"),
        ({"service_code": "C99"}, 404, "C99"),
        ({"service_code": "C08", "lat": "30.25"}, 400, "long"),
        ({"service_code": "C08"}, 400, "location"),
        ({"service_code": "C08", "lat": "true", "long": "120.1"}, 400, "lat"),
        ({"service_code": "C08", "lat": "95", "long": "120.1"}, 400, "lat"),
        ({"service_code": "C08", "lat": "31.9", "long": "121.9"}, 400, "nearest grid"),
        ({"service_code": "C08", **POINT, "attribute[danger]": "fire"}, 400, "danger"),
        ({"service_code": "C08", **POINT, "attribute[occurred_at]": "yesterday"}, 400, "occurred_at"),
        ({"service_code": "C08", "address_id": "H999999"}, 400, "H999999"),
        ({"service_code": "C08", **POINT, "jurisdiction_id": "XYZ"}, 400, "jurisdiction_id"),
        ({"service_code": "C08", **POINT, "media_url": "javascript:alert(1)"}, 400, "media_url"),
    ],
)
async def test_open311_errors_are_the_specs_list_with_400_403_404(served, form, status, named):
    data = {"api_key": KEY, **form}
    for fmt in ("json", "xml"):
        answer = await served.post(f"/open311/v2/requests.{fmt}", data=data)
        assert answer.status_code == status, answer.text
        if fmt == "json":
            [error] = answer.json()
            assert error["code"] == status and named in error["description"], error
        else:
            root = ET.fromstring(answer.content)
            assert root.tag == "errors" and root.find("error/code").text == str(status)
    assert (await served.get("/open311/v2/requests.json", params={"service_code": "C08"})).json() == []


async def test_open311_request_filters_dates_and_limits(served):
    ids = []
    for code, lon in (("C01", "120.0600"), ("C08", "120.0700"), ("OTHER", "120.0800")):
        made = await _post(served, service_code=code, description=f"问题 {code} {lon}", lat="30.2600", long=lon)
        assert made.status_code == 200, made.text
        ids.append(made.json()[0]["service_request_id"])
    get = lambda **p: served.get("/open311/v2/requests.json", params=p)
    assert {r["service_code"] for r in (await get(service_code="C01,OTHER")).json()} == {"C01", "OTHER"}
    assert [r["service_request_id"] for r in (await get(service_request_id=ids[1], service_code="C01")).json()] == [ids[1]]
    assert len((await get(status="open")).json()) == 3 and (await get(status="closed")).json() == []
    now = datetime.now(UTC)
    iso = lambda t: t.isoformat(timespec="seconds").replace("+00:00", "Z")
    assert len((await get(start_date=iso(now - timedelta(hours=1)), end_date=iso(now + timedelta(hours=1)))).json()) == 3
    assert (await get(start_date=iso(now + timedelta(hours=1)))).json() == []
    too_long = await get(start_date=iso(now - timedelta(days=91)), end_date=iso(now))
    assert too_long.status_code == 400 and "90 days" in too_long.json()[0]["description"]
    for bad in ({"status": "pending"}, {"start_date": "last week"}, {"start_date": "2026-12-01T00:00:00"},
                {"service_request_id": "not-an-id"}, {"service_code": "C99"}):
        answer = await get(**bad)
        assert answer.status_code == 400, (bad, answer.text)
    assert (await served.get("/open311/v2/requests/00000000-0000-4000-8000-000000000000.json")).status_code == 404
    assert (await served.get("/open311/v2/services/C99.json")).status_code == 404
    assert (await served.get("/open311/v2/tokens/nope.json")).status_code == 404
    assert (await served.get("/open311/v2/services.yaml")).status_code == 400

    # At most open311_max_requests (1,000 by default) come back, newest first.
    served.app.state.settings.open311_max_requests = 2
    listed = (await get()).json()
    assert [r["service_request_id"] for r in listed] == [ids[2], ids[1]]


async def test_an_open311_request_is_dispatched_and_open311_shows_agency_and_expected_time(
    served, start_service, make_database, kafka_bootstrap, topic_prefix
):
    from dispatch.config import DispatchSettings
    from dispatch.main import build_app as build_dispatch

    dispatch = await start_service(build_dispatch(DispatchSettings(
        database_url=make_database("dispatch"), kafka_bootstrap_servers=kafka_bootstrap, topic_prefix=topic_prefix)))
    made = await _post(served, service_code="C08", description="路口三盏路灯不亮", lat="30.2200", long="120.1500")
    assert made.status_code == 200, made.text
    case_id = made.json()[0]["service_request_id"]
    case = None
    for _ in range(150):
        answer = await dispatch.get(f"/v1/cases/{case_id}", headers=token("dispatcher"))
        if answer.status_code == 200 and answer.json()["status"] == "dispatched":
            case = answer.json()
            break
        await asyncio.sleep(0.2)
    assert case is not None, "dispatch did not dispatch the Open311 request"
    seen = None
    for _ in range(150):
        [seen] = (await served.get(f"/open311/v2/requests/{case_id}.json")).json()
        if seen["agency_responsible"]:
            break
        await asyncio.sleep(0.2)
    _valid("request.json", seen)
    assert seen["agency_responsible"] == "Town Construction and Housing Office" and seen["expected_datetime"]
    assert seen["status"] == "open" and "Town Construction" in seen["status_notes"]
