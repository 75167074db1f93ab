"""Who may see and work which dispute, and whose personal data they see.

* A mediator sees and works the disputes of their committee; the hub (mediators of the hub
  committee and staff of the Judicial Office) sees and works every committee's.
* Personal data of parties (names, phones, ID numbers) is shown only to those who handle the
  dispute: the mediators of the committee holding it (the hub when it holds it) and admins.
  The hub supervising another committee's dispute, the command centre, other systems and the
  police station on the watch list see it masked.
"""

from __future__ import annotations

from onegrid_runtime.auth import Principal, Role

from mediation.config import MediationSettings
from mediation.models import Dispute


def is_hub(p: Principal, settings: MediationSettings) -> bool:
    return (p.role == Role.admin or (p.role == Role.mediator and p.committee == settings.hub_committee)
            or (p.role == Role.dept_staff and p.department == settings.hub_department))


def is_police(p: Principal, settings: MediationSettings) -> bool:
    return p.role == Role.dept_staff and p.department == settings.police_department


def committee_of(p: Principal, settings: MediationSettings) -> str | None:
    """The committee whose disputes the principal handles."""
    if p.role == Role.mediator:
        return p.committee
    if p.role == Role.dept_staff and p.department == settings.hub_department:
        return settings.hub_committee
    return None


def handles(p: Principal, dispute: Dispute, settings: MediationSettings) -> bool:
    return p.role == Role.admin or committee_of(p, settings) == dispute.committee


def may_work(p: Principal, dispute: Dispute, settings: MediationSettings) -> bool:
    return handles(p, dispute, settings) or is_hub(p, settings)


def may_read(p: Principal, dispute: Dispute, settings: MediationSettings) -> bool:
    if may_work(p, dispute, settings) or p.role in (Role.dispatcher, Role.system):
        return True
    return is_police(p, settings) and dispute.watch


def mask_name(name: str | None) -> str | None:
    return None if name is None else name[:1] + "*" * max(1, len(name) - 1)


def mask_number(value: str | None, keep_start: int = 3, keep_end: int = 2) -> str | None:
    if not value:
        return value
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[-keep_end:]


def redactor(parties: list) -> Callable[[str | None], str | None]:  # noqa: F821
    """Replaces the parties' names, phones and ID numbers in free text (minutes, terms, notes)."""
    pairs = []
    for p in parties:
        for value, masked in ((p.name, mask_name(p.name)), (p.phone, mask_number(p.phone)),
                              (p.id_number, mask_number(p.id_number))):
            if value:
                pairs.append((value, masked))
    pairs.sort(key=lambda pair: -len(pair[0]))

    def redact(text: str | None) -> str | None:
        if not text:
            return text
        for value, masked in pairs:
            text = text.replace(value, masked)
        return text

    return redact
