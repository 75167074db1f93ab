"""Signed bearer tokens (HS256 JWT) carrying a role and a scope, and the declaration every
endpoint makes of who may call it (``authorize(...)`` or ``public()``)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from enum import StrEnum
from functools import lru_cache
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict

from onegrid_runtime.errors import Forbidden, Unauthorized

ALGORITHM = "HS256"
_bearer = HTTPBearer(auto_error=False, description="Token from `onegrid token --role ROLE`")


class Role(StrEnum):
    resident = "resident"
    grid_member = "grid_member"
    dispatcher = "dispatcher"
    dept_staff = "dept_staff"
    mediator = "mediator"
    admin = "admin"
    system = "system"


class Principal(BaseModel):
    model_config = ConfigDict(frozen=True)  # verified principals are cached and shared between requests

    subject: str
    role: Role
    jurisdiction: str
    department: str | None = None
    committee: str | None = None
    grid: str | None = None

    def actor(self) -> dict[str, Any]:
        return {"role": self.role.value, "id": self.subject, "department": self.department,
                "committee": self.committee, "grid": self.grid}


def issue_token(
    secret: str,
    *,
    role: Role | str,
    subject: str | None = None,
    jurisdiction: str = "YYB",
    department: str | None = None,
    committee: str | None = None,
    grid: str | None = None,
    ttl: timedelta = timedelta(hours=12),
) -> str:
    role = Role(role)
    now = datetime.now(timezone.utc)
    claims: dict[str, Any] = {
        "sub": subject or f"{role.value}-{department or committee or grid or 'local'}",
        "role": role.value,
        "jur": jurisdiction,
        "iat": now,
        "exp": now + ttl,
    }
    for name, value in (("dept", department), ("committee", committee), ("grid", grid)):
        if value:
            claims[name] = value
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def verify_token(secret: str, token: str) -> Principal:
    principal, expires = _verified(secret, token)
    if expires <= time.time():
        raise Unauthorized("the bearer token has expired")
    return principal


@lru_cache(maxsize=4096)
def _verified(secret: str, token: str) -> tuple[Principal, float]:
    """Signature and claims checked once per token (a client sends the same token many times); the
    expiry is checked on every use by the caller. Invalid tokens raise, and exceptions are not cached."""
    try:
        claims = jwt.decode(token, secret, algorithms=[ALGORITHM], options={"require": ["exp", "sub", "role"]})
        principal = Principal(
            subject=claims["sub"],
            role=Role(claims["role"]),
            jurisdiction=claims.get("jur", ""),
            department=claims.get("dept"),
            committee=claims.get("committee"),
            grid=claims.get("grid"),
        )
        return principal, float(claims["exp"])
    except jwt.ExpiredSignatureError:
        raise Unauthorized("the bearer token has expired") from None
    except (jwt.InvalidTokenError, ValueError) as exc:
        raise Unauthorized(f"the bearer token is not valid: {exc}") from None


def authorize(*roles: Role) -> Callable[..., Any]:
    """Dependency: the caller must hold a valid token with one of ``roles`` (admin always may)."""
    allowed = frozenset(roles) | {Role.admin}

    async def dependency(
        request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
    ) -> Principal:
        if credentials is None:
            raise Unauthorized("this endpoint needs a bearer token (Authorization: Bearer ...)")
        principal = verify_token(request.app.state.settings.jwt_secret, credentials.credentials)
        if principal.role not in allowed:
            names = ", ".join(sorted(r.value for r in allowed))
            raise Forbidden(f"role {principal.role.value} may not do this; allowed roles: {names}")
        return principal

    dependency.allowed_roles = allowed  # type: ignore[attr-defined]
    return dependency


def public() -> Callable[..., Any]:
    """Dependency declaring an endpoint open to anyone (health, discovery)."""

    async def dependency() -> None:
        return None

    dependency.allowed_roles = None  # type: ignore[attr-defined]
    return dependency
