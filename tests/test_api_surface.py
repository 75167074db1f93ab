"""Every endpoint of every service declares who may call it; tokens are checked; errors are
problem details; settings refuse the development secret in production."""

from __future__ import annotations

import importlib
from datetime import timedelta

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from onegrid_runtime.auth import Role, issue_token, verify_token
from onegrid_runtime.errors import Unauthorized
from onegrid_runtime.settings import DEV_JWT_SECRET, ServiceSettings

SERVICES = ["intake", "dispatch", "mediation", "notify"]


def _declarations(route: APIRoute) -> list:
    found, stack = [], [route.dependant]
    while stack:
        dependant = stack.pop()
        if dependant.call is not None and hasattr(dependant.call, "allowed_roles"):
            found.append(dependant.call.allowed_roles)
        stack.extend(dependant.dependencies)
    return found


@pytest.mark.parametrize("service", SERVICES)
def test_every_endpoint_declares_its_authorisation(service):
    from onegrid_runtime import health

    app = importlib.import_module(f"{service}.main").app
    routers = [importlib.import_module(f"{service}.routes").router, health.router]
    routes = [r for router in routers for r in router.routes if isinstance(r, APIRoute)]
    # The routers checked here are all the app serves.
    served = {(m.upper(), path) for path, ops in app.openapi()["paths"].items() for m in ops}
    assert served == {(m, r.path_format)
                      for r in routes for m in r.methods}
    undeclared = [f"{sorted(r.methods)} {r.path}" for r in routes if len(_declarations(r)) != 1]
    assert undeclared == [], f"endpoints without exactly one authorisation declaration: {undeclared}"
    public = sorted(r.path for r in routes if _declarations(r) == [None])
    # Open311 reads are public by the GeoReport v2 specification (its POST needs an api_key).
    open311 = [f"/open311/v2/{p}.{{response_format}}" for p in
               ("discovery", "requests", "requests/{service_request_id}", "services", "services/{service_code}",
                "tokens/{token}")] if service == "intake" else []
    assert public == sorted(["/healthz", "/metrics", "/readyz", *open311])


def test_tokens_carry_role_and_scope_and_are_verified():
    token = issue_token(DEV_JWT_SECRET, role="dept_staff", department="D07", subject="staff-1")
    principal = verify_token(DEV_JWT_SECRET, token)
    assert (principal.role, principal.department, principal.subject, principal.jurisdiction) == (
        Role.dept_staff, "D07", "staff-1", "YYB")
    with pytest.raises(Unauthorized, match="not valid"):
        verify_token("another-secret-of-sufficient-length-000", token)
    expired = issue_token(DEV_JWT_SECRET, role="resident", ttl=timedelta(seconds=-1))
    with pytest.raises(Unauthorized, match="expired"):
        verify_token(DEV_JWT_SECRET, expired)


def test_production_refuses_the_development_secret():
    with pytest.raises(ValueError, match="ONEGRID_JWT_SECRET"):
        ServiceSettings(environment="production")
    assert ServiceSettings(environment="production", jwt_secret="x" * 40).jwt_secret == "x" * 40


def test_unauthenticated_and_wrong_role_calls_get_problem_details():
    app = importlib.import_module("dispatch.main").app
    client = TestClient(app)  # no lifespan: auth is checked before any database work
    missing = client.get("/v1/cases")
    assert missing.status_code == 401 and missing.headers["content-type"] == "application/problem+json"
    assert missing.json()["type"].endswith("/unauthorized") and missing.headers["www-authenticate"] == "Bearer"
    resident = {"Authorization": f"Bearer {issue_token(DEV_JWT_SECRET, role='resident')}"}
    refused = client.get("/v1/cases", headers=resident)
    assert refused.status_code == 403 and "role resident may not" in refused.json()["detail"]
    garbage = client.get("/v1/cases", headers={"Authorization": "Bearer not.a.token"})
    assert garbage.status_code == 401


def test_token_command_prints_a_verifiable_token():
    from typer.testing import CliRunner

    from onegrid_runtime.cli import app

    result = CliRunner().invoke(app, ["token", "--role", "mediator", "--committee", "M01"])
    assert result.exit_code == 0
    assert verify_token(DEV_JWT_SECRET, result.stdout.strip()).committee == "M01"
    refused = CliRunner().invoke(app, ["token", "--role", "dept_staff"])
    assert refused.exit_code != 0 and "--department" in refused.output
