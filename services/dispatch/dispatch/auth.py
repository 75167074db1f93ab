"""Who may call dispatch's endpoints."""

from typing import Annotated

from fastapi import Depends
from onegrid_runtime.auth import Principal, Role, authorize

CaseReader = Annotated[Principal, Depends(authorize(Role.dept_staff, Role.dispatcher, Role.grid_member, Role.system))]
DeptStaff = Annotated[Principal, Depends(authorize(Role.dept_staff))]
GridMember = Annotated[Principal, Depends(authorize(Role.grid_member))]
Dispatcher = Annotated[Principal, Depends(authorize(Role.dispatcher))]
StaffOrDispatcher = Annotated[Principal, Depends(authorize(Role.dept_staff, Role.dispatcher))]
KpiReader = Annotated[Principal, Depends(authorize(Role.dispatcher, Role.dept_staff, Role.grid_member, Role.system))]
