"""The Open311 GeoReport v2 facade at /open311/v2: discovery, services, service definitions,
requests (POST form-encoded with api_key; GET with filters), single requests and tokens, in JSON
or XML. Errors are Open311's list of {code, description} with 400, 403 or 404.

What is public here carries no personal data: no reporter, no household address, and phone or ID
numbers in descriptions are masked."""

from __future__ import annotations

import secrets
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from onegrid_contracts.catalog import Catalog, load_catalog
from onegrid_runtime.errors import OneGridError
from onegrid_runtime.service import Session
from pydantic import ValidationError
from sqlmodel import col, select
from starlette.responses import Response

from intake import service
from intake.auth import Open311Client, Open311Error, Open311Public
from intake.models import Attachment, LocationIn, Report, ReportCreate, ReporterIn
from intake.privacy import mask_text
from intake.status import CLOSED_STATUSES, OPEN_STATUSES, describe, open311_status

OTHER = "OTHER"  # free text: dispatch routes it
DANGER_VALUES = {"none": "No danger", "life": "Danger to life", "property": "Danger to property",
                 "both": "Danger to life and property"}
FORMAT = Annotated[str, Path(pattern="^(json|xml)$", description="json or xml")]
_PLURALS = {"attributes": "attribute", "values": "value", "endpoints": "endpoint", "formats": "format"}


class Open311Route(APIRoute):
    """Renders every error of an Open311 endpoint as the specification's error list."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            xml = request.url.path.endswith(".xml")
            try:
                return await handler(request)
            except Open311Error as exc:
                return errors(exc.status, [exc.description], xml=xml)
            except RequestValidationError as exc:
                return errors(400, [_describe_validation(e) for e in exc.errors()], xml=xml)
            except OneGridError as exc:
                status = {401: 403, 403: 403, 404: 404}.get(exc.status, 400)
                return errors(status, [exc.detail], xml=xml)

        return route


def _describe_validation(error: dict[str, Any]) -> str:
    where = ".".join(str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path"))
    return f"{where}: {error.get('msg', 'invalid')}" if where else str(error.get("msg", "invalid"))


router = APIRouter(prefix="/open311/v2", tags=["open311"], route_class=Open311Route,
                   responses={400: {"description": "Open311 error list"}, 403: {"description": "api_key missing or invalid"},
                              404: {"description": "Not found"}})


# --- rendering ------------------------------------------------------------------------------


def _xml_value(parent: ET.Element, tag: str, value: Any) -> None:
    if isinstance(value, list):
        holder = ET.SubElement(parent, tag)
        for item in value:
            _xml_value(holder, _PLURALS.get(tag, "item"), item)
    elif isinstance(value, dict):
        element = ET.SubElement(parent, tag)
        for key, inner in value.items():
            _xml_value(element, key, inner)
    else:
        element = ET.SubElement(parent, tag)
        if value is not None:
            element.text = str(value).lower() if isinstance(value, bool) else str(value)


def render(data: Any, *, xml: bool, root: str, item: str | None = None, status: int = 200) -> Response:
    if not xml:
        return JSONResponse(data, status_code=status)
    element = ET.Element(root)
    if isinstance(data, list):
        for entry in data:
            _xml_value(element, item or "item", entry)
    else:
        for key, value in data.items():
            _xml_value(element, key, value)
    body = b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="utf-8")
    return Response(body, status_code=status, media_type="text/xml; charset=utf-8")


def errors(status: int, descriptions: list[str], *, xml: bool) -> Response:
    return render([{"code": status, "description": d} for d in descriptions], xml=xml, root="errors", item="error",
                  status=status)


def _time(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z") if value else None


def _service(code: str, catalog: Catalog) -> dict[str, Any]:
    if code == OTHER:
        return {"service_code": OTHER, "service_name": "Other / not sure",
                "description": "Describe the problem; the command centre routes it", "metadata": True,
                "type": "realtime", "keywords": "其他", "group": "Other"}
    category = catalog.categories[code]
    return {"service_code": code, "service_name": category.name_en,
            "description": f"{category.name_zh}. 例如: {category.example_zh}", "metadata": True, "type": "realtime",
            "keywords": category.name_zh, "group": catalog.department_name(category.department)}


def _check_jurisdiction(request: Request, jurisdiction_id: str | None) -> None:
    if jurisdiction_id is not None and jurisdiction_id != request.app.state.settings.jurisdiction:
        raise Open311Error(400, f"unknown jurisdiction_id {jurisdiction_id!r}")


def _service_request(report: Report, catalog: Catalog, media_url: str | None) -> dict[str, Any]:
    department = catalog.department_name(report.department) if report.department else None
    located_by_point = report.household_id is None and report.lat is not None
    return {
        "service_request_id": str(report.id),
        "status": open311_status(report.status),
        "status_notes": describe(report.status, department=department or ""),
        "service_name": _service(report.category, catalog)["service_name"] if report.category else "Other / not sure",
        "service_code": report.category or OTHER,
        "description": mask_text(report.description),
        "agency_responsible": department,
        "service_notice": f"Case {report.case_number}",
        "requested_datetime": _time(report.reported_at),
        "updated_datetime": _time(report.status_at),
        "expected_datetime": _time(report.expected_at),
        "address": None,  # household addresses are personal data
        "address_id": None,
        "zipcode": None,
        "lat": report.lat if located_by_point else None,
        "long": report.lon if located_by_point else None,
        "media_url": media_url,
    }


async def _media_urls(session: Any, ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    rows = (await session.exec(select(Attachment).where(col(Attachment.case_id).in_(ids), Attachment.kind == "url")
                               .order_by(Attachment.created_at))).all()
    found: dict[uuid.UUID, str] = {}
    for a in rows:
        found.setdefault(a.case_id, a.url)  # type: ignore[arg-type]
    return found


# --- endpoints ------------------------------------------------------------------------------


@router.get("/discovery.{response_format}", summary="Discovery")
async def discovery(response_format: FORMAT, _: Open311Public, request: Request) -> Response:
    settings = request.app.state.settings
    base = settings.public_url.rstrip("/") + "/open311/v2"
    data = {"changeset": "2026-12-01T00:00:00Z", "contact": "OneGrid command centre",
            "key_service": "Ask the town's command centre for an api_key",
            "endpoints": [{"specification": "http://wiki.open311.org/GeoReport_v2", "url": base,
                           "changeset": "2026-12-01T00:00:00Z", "type": "production",
                           "formats": ["application/json", "text/xml"]}]}
    return render(data, xml=response_format == "xml", root="discovery")


@router.get("/services.{response_format}", summary="Service list")
async def services(response_format: FORMAT, _: Open311Public, request: Request,
                   jurisdiction_id: Annotated[str | None, Query(max_length=32)] = None) -> Response:
    _check_jurisdiction(request, jurisdiction_id)
    catalog = load_catalog()
    data = [_service(code, catalog) for code in sorted(catalog.categories)] + [_service(OTHER, catalog)]
    return render(data, xml=response_format == "xml", root="services", item="service")


@router.get("/services/{service_code}.{response_format}", summary="Service definition")
async def service_definition(service_code: Annotated[str, Path(max_length=16)], response_format: FORMAT,
                             _: Open311Public, request: Request,
                             jurisdiction_id: Annotated[str | None, Query(max_length=32)] = None) -> Response:
    _check_jurisdiction(request, jurisdiction_id)
    catalog = load_catalog()
    if service_code != OTHER and service_code not in catalog.categories:
        raise Open311Error(404, f"unknown service_code {service_code!r}")
    data = {"service_code": service_code, "attributes": [
        {"variable": True, "code": "danger", "datatype": "singlevaluelist", "required": False,
         "datatype_description": "Pick one", "order": 1, "description": "Is anyone's life or property in danger?",
         "values": [{"key": k, "name": v} for k, v in DANGER_VALUES.items()]},
        {"variable": True, "code": "occurred_at", "datatype": "datetime", "required": False,
         "datatype_description": "ISO 8601 with a time zone, e.g. 2026-12-01T08:30:00+08:00", "order": 2,
         "description": "When did it happen?", "values": []},
    ]}
    return render(data, xml=response_format == "xml", root="service_definition")


@router.post("/requests.{response_format}", summary="Create a service request (form-encoded, api_key required)")
async def create_request(
    response_format: FORMAT,
    client: Open311Client,
    request: Request,
    session: Session,
    service_code: Annotated[str, Form(max_length=16)],
    jurisdiction_id: Annotated[str | None, Form(max_length=32)] = None,
    lat: Annotated[float | None, Form(ge=-90, le=90)] = None,
    long: Annotated[float | None, Form(ge=-180, le=180)] = None,
    address_string: Annotated[str | None, Form(max_length=300)] = None,
    address_id: Annotated[str | None, Form(max_length=32)] = None,
    email: Annotated[str | None, Form(max_length=200)] = None,
    device_id: Annotated[str | None, Form(max_length=200)] = None,
    account_id: Annotated[str | None, Form(max_length=200)] = None,
    first_name: Annotated[str | None, Form(max_length=50)] = None,
    last_name: Annotated[str | None, Form(max_length=50)] = None,
    phone: Annotated[str | None, Form(max_length=32)] = None,
    description: Annotated[str | None, Form(max_length=4000)] = None,
    media_url: Annotated[str | None, Form(max_length=2000)] = None,
    danger: Annotated[str | None, Form(alias="attribute[danger]", max_length=16)] = None,
    occurred_at: Annotated[str | None, Form(alias="attribute[occurred_at]", max_length=40)] = None,
) -> Response:
    _check_jurisdiction(request, jurisdiction_id)
    catalog = load_catalog()
    if service_code != OTHER and service_code not in catalog.categories:
        raise Open311Error(404, f"unknown service_code {service_code!r}")
    if (lat is None) != (long is None):
        raise Open311Error(400, "lat and long must be given together")
    if lat is None and not address_string and not address_id:
        raise Open311Error(400, "a location is required: lat and long, address_string or address_id")
    if danger is not None and danger not in DANGER_VALUES:
        raise Open311Error(400, f"attribute[danger] must be one of {', '.join(DANGER_VALUES)}, not {danger!r}")
    name = " ".join(p.strip() for p in (first_name, last_name) if p and p.strip()) or None
    text = (description or "").strip() or _service(service_code, catalog)["service_name"]
    try:
        body = ReportCreate(
            description=text,
            category=None if service_code == OTHER else service_code,
            location=LocationIn(lat=lat, lon=long) if lat is not None else None,
            address=address_string.strip() if address_string and not address_id else None,
            household_id=address_id or None,
            occurred_at=occurred_at,  # type: ignore[arg-type]
            danger_to_life=danger in ("life", "both"),
            danger_to_property=danger in ("property", "both"),
            reporter=ReporterIn(name=name, phone=phone) if name and phone else None,
            media_urls=[media_url] if media_url else [],  # type: ignore[list-item]
        )
    except ValidationError as exc:
        raise Open311Error(400, "; ".join(_describe_validation(e) for e in exc.errors())) from None
    token = secrets.token_urlsafe(16)
    accepted, _ = await service.create_report(
        session=session, writer=request.app.state.writer, body=body, reporter=client, grids=request.app.state.grids,
        catalog=catalog, channel="open311", open311_token=token,
    )
    notice = (f"Case {accepted.case_number}: the same problem was already reported; you follow that case."
              if accepted.duplicate_of else f"Case {accepted.case_number}: it will be routed to the department in charge.")
    data = [{"service_request_id": str(accepted.case_id), "token": token, "service_notice": notice,
             "account_id": account_id}]
    return render(data, xml=response_format == "xml", root="service_requests", item="request")


def _parse_time(name: str, value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.strip().replace(" ", "+") if "T" in value else value.strip())
    except ValueError:
        raise Open311Error(400, f"{name} must be a W3C date-time like 2026-12-01T00:00:00Z, not {value!r}") from None
    if parsed.tzinfo is None:
        raise Open311Error(400, f"{name} needs a time zone (e.g. Z or +08:00): {value!r}")
    return parsed


@router.get("/requests.{response_format}", summary="Service requests (filters; at most 1,000 within 90 days)")
async def list_requests(
    response_format: FORMAT,
    _: Open311Public,
    request: Request,
    session: Session,
    service_request_id: Annotated[str | None, Query(max_length=40_000)] = None,
    service_code: Annotated[str | None, Query(max_length=2000)] = None,
    start_date: Annotated[str | None, Query(max_length=40)] = None,
    end_date: Annotated[str | None, Query(max_length=40)] = None,
    status: Annotated[str | None, Query(max_length=20)] = None,
    jurisdiction_id: Annotated[str | None, Query(max_length=32)] = None,
) -> Response:
    _check_jurisdiction(request, jurisdiction_id)
    settings = request.app.state.settings
    catalog = load_catalog()
    query = select(Report).where(Report.jurisdiction == settings.jurisdiction, col(Report.case_number).is_not(None),
                                 col(Report.primary_case_id).is_(None))
    if service_request_id:
        ids = []
        for part in service_request_id.split(","):
            try:
                ids.append(uuid.UUID(part.strip()))
            except ValueError:
                raise Open311Error(400, f"service_request_id {part.strip()!r} is not a service request id") from None
        if len(ids) > settings.open311_max_requests:
            raise Open311Error(400, f"at most {settings.open311_max_requests} service_request_id at once")
        query = query.where(col(Report.id).in_(ids))
    else:
        if service_code:
            codes = [c.strip() for c in service_code.split(",") if c.strip()]
            unknown = [c for c in codes if c != OTHER and c not in catalog.categories]
            if unknown:
                raise Open311Error(400, f"unknown service_code {', '.join(unknown)}")
            categories = [c for c in codes if c != OTHER]
            condition = col(Report.category).in_(categories)
            if OTHER in codes:
                condition = condition | col(Report.category).is_(None)
            query = query.where(condition)
        span = timedelta(days=settings.open311_max_days)
        start = _parse_time("start_date", start_date) if start_date else None
        end = _parse_time("end_date", end_date) if end_date else None
        if start and end and end < start:
            raise Open311Error(400, "end_date is before start_date")
        if start and end and end - start > span:
            raise Open311Error(400, f"start_date and end_date may not be more than {settings.open311_max_days} days apart")
        if start is None and end is None:
            end = datetime.now(UTC)
        if start is None:
            start = end - span  # type: ignore[operator]
        if end is None:
            end = start + span
        query = query.where(Report.reported_at >= start, Report.reported_at <= end)
        if status:
            wanted = {s.strip() for s in status.split(",") if s.strip()}
            if not wanted or wanted - {"open", "closed"}:
                raise Open311Error(400, f"status must be open, closed or both (comma separated), not {status!r}")
            statuses = (list(OPEN_STATUSES) if "open" in wanted else []) + (list(CLOSED_STATUSES) if "closed" in wanted else [])
            query = query.where(col(Report.status).in_(statuses))
    reports = list((await session.exec(query.order_by(col(Report.reported_at).desc())
                                       .limit(settings.open311_max_requests))).all())
    media = await _media_urls(session, [r.id for r in reports])
    data = [_service_request(r, catalog, media.get(r.id)) for r in reports]
    return render(data, xml=response_format == "xml", root="service_requests", item="request")


@router.get("/requests/{service_request_id}.{response_format}", summary="One service request")
async def get_request(service_request_id: Annotated[str, Path(max_length=64)], response_format: FORMAT,
                      _: Open311Public, request: Request, session: Session,
                      jurisdiction_id: Annotated[str | None, Query(max_length=32)] = None) -> Response:
    _check_jurisdiction(request, jurisdiction_id)
    try:
        report_id = uuid.UUID(service_request_id)
    except ValueError:
        raise Open311Error(404, f"no service request {service_request_id!r}") from None
    report = (await session.exec(select(Report).where(Report.id == report_id))).first()
    if report is not None and report.primary_case_id is not None:
        report = (await session.exec(select(Report).where(Report.id == report.primary_case_id))).first()
    if report is None or report.case_number is None or report.jurisdiction != request.app.state.settings.jurisdiction:
        raise Open311Error(404, f"no service request {service_request_id!r}")
    media = await _media_urls(session, [report.id])
    data = [_service_request(report, load_catalog(), media.get(report.id))]
    return render(data, xml=response_format == "xml", root="service_requests", item="request")


@router.get("/tokens/{token}.{response_format}", summary="Service request id from a token")
async def get_token(token: Annotated[str, Path(max_length=64)], response_format: FORMAT, _: Open311Public,
                    request: Request, session: Session,
                    jurisdiction_id: Annotated[str | None, Query(max_length=32)] = None) -> Response:
    _check_jurisdiction(request, jurisdiction_id)
    report = (await session.exec(select(Report).where(Report.open311_token == token))).first()
    if report is None:
        raise Open311Error(404, f"no service request for token {token!r}")
    case_id = report.primary_case_id or report.id
    data = [{"service_request_id": str(case_id), "token": token}]
    return render(data, xml=response_format == "xml", root="service_requests", item="request")
