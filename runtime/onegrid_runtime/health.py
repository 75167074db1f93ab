"""Liveness (/healthz: the process answers) and readiness (/readyz: database and Kafka reachable)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from onegrid_runtime.aio import bounded
from onegrid_runtime.auth import public

router = APIRouter(tags=["operations"])
Public = Annotated[None, Depends(public())]


@router.get("/healthz", summary="Liveness")
async def healthz(_: Public) -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="Readiness: database and Kafka", responses={503: {"description": "Not ready"}})
async def readyz(request: Request, _: Public) -> JSONResponse:
    state = request.app.state
    checks: dict[str, str] = {}
    try:
        await bounded(state.db.ping(), 3)
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"down: {type(exc).__name__}"
    checks["kafka"] = "ok" if await state.relay.kafka_ready() else "down"
    if state.consumer is not None:
        checks["consumer"] = "ok" if state.consumer.running else "starting"
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse({"status": "ready" if ready else "not ready", "checks": checks}, status_code=200 if ready else 503)


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def metrics(_: Public) -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
