"""The routing model's API under /v1/routing: versions, retraining (from closed cases and/or a CSV),
atomic activation, and a prediction preview for the dispatcher."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from onegrid_runtime.service import Session
from pydantic import BaseModel, ConfigDict, Field
from sqlmodel import col, select

from dispatch import learning, service
from dispatch.auth import Dispatcher
from dispatch.errors import InvalidInput, NotFound
from dispatch.models import PredictionPublic, RoutingModelPublic, RoutingModelRecord

router = APIRouter(prefix="/v1/routing", tags=["routing"])  # served through routes.router


class PredictIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=4000, examples=["楼道里有人给电动车飞线充电"])


def _public(record: RoutingModelRecord) -> RoutingModelPublic:
    return RoutingModelPublic.model_validate(record, from_attributes=True)


@router.get("/models", response_model=list[RoutingModelPublic])
async def list_models(principal: Dispatcher, session: Session) -> list[RoutingModelPublic]:
    """Stored model versions, newest first; exactly one is active."""
    rows = (await session.exec(select(RoutingModelRecord).order_by(col(RoutingModelRecord.created_at).desc()))).all()
    return [_public(r) for r in rows]


@router.post("/models", response_model=RoutingModelPublic, status_code=201,
             openapi_extra={"requestBody": {"required": False, "content": {"text/csv": {"schema": {"type": "string"}}}}})
async def retrain(
    principal: Dispatcher, request: Request,
    from_closed_cases: Annotated[bool, Query(description="Learn from closed cases (department that resolved them)")] = True,
    activate: Annotated[bool, Query(description="Make the new version the active one")] = True,
) -> RoutingModelPublic:
    """Train a new version while routing goes on. Body (optional): a ``text,department`` CSV (Content-Type
    text/csv) of labelled examples, added to the closed cases. The swap to the new version is atomic."""
    kit = service.toolkit(request.app.state.settings)
    body = await request.body()
    csv_examples: list[tuple[str, str]] = []
    if body:
        if not request.headers.get("content-type", "").startswith("text/csv"):
            raise InvalidInput("the body must be a CSV with Content-Type text/csv (columns text,department)")
        csv_examples = learning.parse_examples_csv(body, kit.catalog)
    record = await learning.retrain(db=request.app.state.db, catalog=kit.catalog,
                                    jurisdiction=principal.jurisdiction, from_closed_cases=from_closed_cases,
                                    csv_examples=csv_examples, created_by=principal.subject, activate=activate)
    return _public(record)


@router.post("/models/{version}/activate", response_model=RoutingModelPublic)
async def activate(version: str, principal: Dispatcher, session: Session) -> RoutingModelPublic:
    """Make a stored version the active one (for example to roll back), atomically."""
    return _public(await learning.activate_model(session=session, version=version))


@router.post("/predict", response_model=PredictionPublic)
async def predict(body: PredictIn, principal: Dispatcher, session: Session, request: Request) -> PredictionPublic:
    """What the active model says about a text, and whether it would route it without a person."""
    model = await service.toolkit(request.app.state.settings).models.active(session)
    if model is None:
        raise NotFound("no routing model is active yet")
    p = model.predict(body.text)
    threshold = request.app.state.settings.routing_confidence_threshold
    return PredictionPublic(department=p.department, confidence=p.confidence, model_version=p.model_version,
                            candidates=[{"department": c.department, "score": c.score} for c in p.candidates],
                            would_route=p.confidence >= threshold, threshold=threshold)
