"""One error base carrying its HTTP status, rendered as RFC 9457 problem details."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("onegrid.errors")
PROBLEM_JSON = "application/problem+json"


class OneGridError(Exception):
    status: int = 500
    code: str = "internal-error"
    title: str = "Internal error"

    def __init__(self, detail: str, **extensions: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extensions = extensions


class InvalidInput(OneGridError):
    status, code, title = 422, "invalid-input", "The request is not valid"


class BadRequest(OneGridError):
    status, code, title = 400, "bad-request", "Bad request"


class Unauthorized(OneGridError):
    status, code, title = 401, "unauthorized", "Authentication required"


class Forbidden(OneGridError):
    status, code, title = 403, "forbidden", "Not allowed"


class NotFound(OneGridError):
    status, code, title = 404, "not-found", "Not found"


class Conflict(OneGridError):
    status, code, title = 409, "conflict", "Conflict with the current state"


class ServiceUnavailable(OneGridError):
    status, code, title = 503, "unavailable", "Service unavailable"


def problem(status: int, code: str, title: str, detail: str, instance: str, extensions: dict[str, Any] | None = None) -> JSONResponse:
    body = {"type": f"https://onegrid.dev/problems/{code}", "title": title, "status": status, "detail": detail,
            "instance": instance}
    # Extension members never override the standard ones.
    body.update({k: v for k, v in (extensions or {}).items() if k not in body})
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(OneGridError)
    async def _onegrid(request: Request, exc: OneGridError) -> JSONResponse:
        return problem(exc.status, exc.code, exc.title, exc.detail, request.url.path, exc.extensions)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"location": ".".join(str(p) for p in e["loc"]), "message": e["msg"], "type": e["type"]}
            for e in exc.errors()
        ]
        detail = "; ".join(f"{e['location']}: {e['message']}" for e in errors)
        return problem(422, "invalid-input", "The request is not valid", detail, request.url.path, {"errors": errors})

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem(exc.status_code, f"http-{exc.status_code}", str(exc.detail), str(exc.detail), request.url.path)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem(500, "internal-error", "Internal error", "An unexpected error occurred", request.url.path)
