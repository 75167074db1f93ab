"""Who may call intake's endpoints."""

from typing import Annotated

from fastapi import Depends
from onegrid_runtime.auth import Principal, Role, authorize

Reporter = Annotated[Principal, Depends(authorize(Role.resident, Role.grid_member, Role.dispatcher, Role.system))]
ReportReader = Annotated[
    Principal, Depends(authorize(Role.resident, Role.grid_member, Role.dispatcher, Role.dept_staff, Role.system))
]
GridReader = Annotated[Principal, Depends(authorize(*Role))]
