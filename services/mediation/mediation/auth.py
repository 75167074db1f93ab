"""Who may call mediation's endpoints."""

from typing import Annotated

from fastapi import Depends
from onegrid_runtime.auth import Principal, Role, authorize

DisputeReader = Annotated[Principal, Depends(authorize(Role.mediator, Role.dispatcher, Role.system))]
Mediator = Annotated[Principal, Depends(authorize(Role.mediator))]
