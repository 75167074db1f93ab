"""The reporter's view: each event moves the case to a status told in plain words."""

from __future__ import annotations

from onegrid_contracts import Event

STATUS_BY_EVENT = {
    "onegrid.case.reported": "received",
    "onegrid.case.dispatched": "dispatched",
    "onegrid.case.triaged": "triage",
    "onegrid.case.accepted": "in_progress",
    "onegrid.case.resolved": "resolved",
    "onegrid.case.verified": "verified",
    "onegrid.case.closed": "closed",
    "onegrid.case.reopened": "reopened",
    "onegrid.case.mediation_requested": "in_mediation",
    "onegrid.mediation.opened": "in_mediation",
    "onegrid.mediation.concluded": "mediation_concluded",
    "onegrid.mediation.performed": "mediation_concluded",
}
# What a reporter's timeline shows: every status change, plus these notes along the way.
REPORTER_TIMELINE_EVENTS = frozenset(STATUS_BY_EVENT) | {
    "onegrid.case.progress_noted", "onegrid.case.extension_decided", "onegrid.case.rework_requested",
    "onegrid.case.self_handled", "onegrid.case.voided", "onegrid.case.returned",
}

# A case is open (a new report about the same problem joins it) until it is verified or closed.
CLOSED_STATUSES = ("verified", "closed", "void", "merged")
OPEN_STATUSES = ("received", "dispatched", "triage", "in_progress", "resolved", "reopened", "in_mediation",
                 "mediation_concluded")
# The reporter may rate once the work is reported done.
RATEABLE_STATUSES = ("resolved", "verified", "closed")

_TEXT = {
    "received": "We have received your report.",
    "dispatched": "Your report has been sent to {department}.",
    "triage": "The command centre is deciding who should handle your report.",
    "in_progress": "{department} is working on it.",
    "resolved": "{department} reports it done; your grid member will check.",
    "verified": "Your grid member has checked the work.",
    "closed": "Your case is closed. Please rate how it was handled.",
    "reopened": "Your case has been reopened and goes back to the department.",
    "in_mediation": "Your dispute has gone to the mediation committee.",
    "mediation_concluded": "Mediation has concluded.",
    "merged": "Your report was joined to another case about the same problem; you follow that case now.",
    "void": "This report was closed without action.",
}


def describe(status: str, *, department: str, event: Event | None = None) -> str:
    text = _TEXT.get(status, status.replace("_", " ").capitalize() + ".")
    if event is not None and event.type == "onegrid.mediation.opened":
        text = f"Mediation committee {getattr(event, 'committee', '')} has taken up your dispute."
    if event is not None and event.type == "onegrid.mediation.concluded":
        outcome = getattr(event, "outcome", "")
        text = "The parties reached an agreement." if outcome == "agreement" else "Mediation ended without agreement."
    if event is not None and event.type == "onegrid.mediation.performed":
        text = "The agreement has been honoured." if getattr(event, "honoured", False) else "The agreement was not honoured."
    return text.format(department=department or "the department")


def open311_status(status: str) -> str:
    return "closed" if status in CLOSED_STATUSES else "open"
