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
    "onegrid.case.mediation_requested": "in_mediation",
    "onegrid.mediation.opened": "in_mediation",
    "onegrid.mediation.concluded": "mediation_concluded",
    "onegrid.mediation.performed": "mediation_concluded",
}

_TEXT = {
    "received": "We have received your report.",
    "dispatched": "Your report has been sent to {department}.",
    "triage": "The command centre is deciding who should handle your report.",
    "in_progress": "{department} is working on it.",
    "resolved": "{department} reports it done; your grid member will check.",
    "verified": "Your grid member has checked the work.",
    "closed": "Your case is closed. Please rate how it was handled.",
    "in_mediation": "Your dispute has gone to the mediation committee.",
    "mediation_concluded": "Mediation has concluded.",
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
