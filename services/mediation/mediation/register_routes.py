"""The registers' REST API under /v1: committees and mediators, listed, imported from CSV, edited.
Declared on the service's one router (``routes.router``)."""

from __future__ import annotations

from enum import Enum

from fastapi import Body, Query
from onegrid_runtime.service import Session

from mediation import registers
from mediation.access import is_hub
from mediation.auth import RegisterReader, Registrar
from mediation.config import Settings
from mediation.errors import Forbidden
from mediation.forms import (
    CommitteeIn,
    CommitteePatch,
    CommitteePublic,
    ImportResult,
    MediatorIn,
    MediatorPatch,
    MediatorPublic,
)
from mediation.routes import router  # the service's /v1 router; routes.py imports this module

TAGS: list[str | Enum] = ["registers"]
ERRORS = {403: {"description": "Only the hub (or the committee, for its mediators)"},
          404: {"description": "No such committee or mediator"}, 422: {"description": "A register rule is not met"}}
CSV_BODY = Body(media_type="text/csv", description="The CSV file, header line first")


@router.get("/committees", tags=TAGS, response_model=list[CommitteePublic])
async def list_committees(principal: RegisterReader, session: Session) -> list[CommitteePublic]:
    return await registers.list_committees(session=session)


@router.post("/committees", tags=TAGS, response_model=CommitteePublic, status_code=201, responses=ERRORS)
async def create_committee(body: CommitteeIn, principal: Registrar, settings: Settings, session: Session) -> CommitteePublic:
    """Register a committee: 3 to 9 members, at least one woman."""
    committee = await registers.create_committee(session=session, body=body, editor=principal, settings=settings)
    return CommitteePublic(**committee.model_dump())


@router.patch("/committees/{code}", tags=TAGS, response_model=CommitteePublic, responses=ERRORS)
async def edit_committee(code: str, body: CommitteePatch, principal: Registrar, settings: Settings,
                         session: Session) -> CommitteePublic:
    committee = await registers.edit_committee(session=session, code=code, body=body, editor=principal, settings=settings)
    return CommitteePublic(**committee.model_dump())


@router.post("/committees/import", tags=TAGS, response_model=ImportResult, responses=ERRORS)
async def import_committees(principal: Registrar, settings: Settings, session: Session, text: str = CSV_BODY) -> ImportResult:
    """committees.csv (code,name_en,name_zh,community,members,women_members): every row or none."""
    if not is_hub(principal, settings):
        raise Forbidden("only the hub (Judicial Office) imports the committee register")
    return ImportResult(imported=await registers.import_committees_csv(session=session, text=text,
                                                                        jurisdiction=settings.jurisdiction))


@router.get("/mediators", tags=TAGS, response_model=list[MediatorPublic])
async def list_mediators(principal: RegisterReader, settings: Settings, session: Session, committee: str | None = None,
                         active: bool | None = Query(None)) -> list[MediatorPublic]:
    """Mediators with their current load (phones only for their committee and the hub)."""
    return await registers.list_mediators(session=session, viewer=principal, settings=settings, committee=committee,
                                          active=active)


@router.post("/mediators", tags=TAGS, response_model=MediatorPublic, status_code=201, responses=ERRORS)
async def create_mediator(body: MediatorIn, principal: Registrar, settings: Settings, session: Session) -> MediatorPublic:
    mediator = await registers.create_mediator(session=session, body=body, editor=principal, settings=settings)
    return MediatorPublic(**mediator.model_dump())


@router.patch("/mediators/{code}", tags=TAGS, response_model=MediatorPublic, responses=ERRORS)
async def edit_mediator(code: str, body: MediatorPatch, principal: Registrar, settings: Settings,
                        session: Session) -> MediatorPublic:
    """Edit expertise, languages, phone, active; moving to another committee is for the hub."""
    mediator = await registers.edit_mediator(session=session, code=code, body=body, editor=principal, settings=settings)
    return MediatorPublic(**mediator.model_dump())


@router.post("/mediators/import", tags=TAGS, response_model=ImportResult, responses=ERRORS)
async def import_mediators(principal: Registrar, settings: Settings, session: Session, text: str = CSV_BODY) -> ImportResult:
    """mediators.csv (code,committee,name,gender,expertise,languages,phone,active): every row or none."""
    if not is_hub(principal, settings):
        raise Forbidden("only the hub (Judicial Office) imports the mediator register")
    return ImportResult(imported=await registers.import_mediators_csv(session=session, text=text,
                                                                       jurisdiction=settings.jurisdiction))
