"""Notify errors: all derive from the runtime's OneGridError and render as problem details."""

from onegrid_runtime.errors import Conflict, Forbidden, InvalidInput, NotFound

__all__ = [
    "Conflict",
    "Forbidden",
    "InvalidInput",
    "NotFound",
    "NotReplayable",
    "NotificationNotFound",
    "SubscriptionNotFound",
]


class NotificationNotFound(NotFound):
    def __init__(self, notification_id: object) -> None:
        super().__init__(f"notification {notification_id} does not exist or is not yours to see")


class SubscriptionNotFound(NotFound):
    def __init__(self, subscription_id: object) -> None:
        super().__init__(f"subscription {subscription_id} does not exist or is not yours to manage")


class NotReplayable(Conflict):
    def __init__(self, notification_id: object, status: str) -> None:
        super().__init__(f"notification {notification_id} is {status}; only failed (dead-lettered) deliveries "
                         f"can be replayed", status=status)
