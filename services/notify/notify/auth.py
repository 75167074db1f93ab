"""Who may call notify's endpoints."""

from typing import Annotated

from fastapi import Depends
from onegrid_runtime.auth import Principal, Role, authorize

DeliveryLogReader = Annotated[Principal, Depends(authorize(Role.dispatcher, Role.system))]
