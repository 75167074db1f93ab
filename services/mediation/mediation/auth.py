"""Who may call mediation's endpoints. Scope (which committee, whose personal data) is checked
in ``access.py`` against the dispute itself."""

from typing import Annotated

from fastapi import Depends
from onegrid_runtime.auth import Principal, Role, authorize

# Reads disputes: mediators (their committee; the hub all), the command centre and other systems
# (masked), the Judicial Office and the police station (see access.py).
DisputeReader = Annotated[Principal, Depends(authorize(Role.mediator, Role.dispatcher, Role.system, Role.dept_staff))]
# Works a dispute: mediators of its committee and the hub.
Mediator = Annotated[Principal, Depends(authorize(Role.mediator, Role.dept_staff))]
# Takes a dispute in directly: mediators, referring systems (police, court, letters and visits) and
# their staff, and a party applying in person.
DisputeFiler = Annotated[Principal, Depends(authorize(Role.mediator, Role.system, Role.dept_staff, Role.resident))]
# Reads the registers of committees and mediators.
RegisterReader = Annotated[Principal, Depends(authorize(Role.mediator, Role.dispatcher, Role.dept_staff, Role.system))]
# Edits the registers: the hub for everything, a committee's mediators for their own mediators.
Registrar = Annotated[Principal, Depends(authorize(Role.mediator, Role.dept_staff))]
# Reads the watch list: mediators, the Judicial Office, the police station, the command centre.
WatchReader = Annotated[Principal, Depends(authorize(Role.mediator, Role.dept_staff, Role.dispatcher))]
# Reads statistics: mediators, the Judicial Office, the command centre.
StatsReader = Annotated[Principal, Depends(authorize(Role.mediator, Role.dept_staff, Role.dispatcher))]
