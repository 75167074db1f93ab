"""Who may call notify's endpoints."""

from typing import Annotated

from fastapi import Depends
from onegrid_runtime.auth import Principal, Role, authorize

# The delivery log (all recipients, all channels): the command centre, operators and systems.
DeliveryLogReader = Annotated[Principal, Depends(authorize(Role.dispatcher, Role.system))]
# Replaying dead letters and resuming paused endpoints: the command centre and operators.
DeliveryOperator = Annotated[Principal, Depends(authorize(Role.dispatcher))]
# Webhook subscriptions: an external system manages its own, an admin all of them.
SubscriptionManager = Annotated[Principal, Depends(authorize(Role.system))]
# The recipient directory (personal contact points): systems that sync registers, and admins.
DirectoryWriter = Annotated[Principal, Depends(authorize(Role.system))]
# Anyone with an in-app inbox: people at work and residents.
InboxOwner = Annotated[Principal, Depends(authorize(Role.resident, Role.grid_member, Role.dispatcher,
                                                    Role.dept_staff, Role.mediator))]
# People whose messages are addressed to them personally may set their own language and contacts.
PersonalRecipient = Annotated[Principal, Depends(authorize(Role.resident, Role.mediator))]
