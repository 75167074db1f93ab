"""Personal data by role: who sees names, phone and ID numbers in full, and masking elsewhere
(API answers and logs)."""

from __future__ import annotations

import logging
import re

from onegrid_runtime.auth import Principal, Role

# Roles that need a person's contact details in full to do their work: the command centre calls
# reporters back and visits; the grid member knows the households of their own grid door to door.
FULL_ACCESS_ROLES = frozenset({Role.admin, Role.dispatcher})


def sees_personal_data(principal: Principal, *, grid: str | None, person_id: str | None = None) -> bool:
    """True when ``principal`` may see the personal data of a person living (or reporting) in ``grid``."""
    if principal.role in FULL_ACCESS_ROLES:
        return True
    if principal.role == Role.grid_member:
        return principal.grid is not None and principal.grid == grid
    if principal.role == Role.resident:
        return person_id is not None and principal.subject == person_id
    return False


def mask_phone(phone: str | None) -> str | None:
    """``13812345678`` -> ``138****5678``; short numbers keep only their last two digits."""
    if not phone:
        return phone
    digits = phone.strip()
    if len(digits) >= 7:
        return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
    return "*" * (len(digits) - 2) + digits[-2:]


def mask_id_number(id_number: str | None) -> str | None:
    """``330106194101222269`` -> ``330***********2269``."""
    if not id_number:
        return id_number
    return id_number[:3] + "*" * max(0, len(id_number) - 7) + id_number[-4:]


def mask_name(name: str | None) -> str | None:
    """``王小明`` -> ``王**``, ``Emma Brown`` -> ``E*** B****``."""
    if not name:
        return name
    if " " in name.strip():
        return " ".join(part[:1] + "*" * (len(part) - 1) for part in name.split())
    return name[:1] + "*" * (len(name) - 1)


# Chinese mobile numbers (11 digits from 1), resident ID numbers (17 digits + digit or X) and
# other long digit runs that look like phone numbers, not inside a longer word or number.
_ID_RE = re.compile(r"(?<![0-9A-Za-z])([0-9]{17}[0-9Xx])(?![0-9A-Za-z])")
_PHONE_RE = re.compile(r"(?<![0-9])(\+?86[ -]?)?(1[3-9][0-9])([0-9]{4})([0-9]{4})(?![0-9])")


def mask_text(text: str) -> str:
    text = _ID_RE.sub(lambda m: mask_id_number(m.group(1)) or "", text)
    return _PHONE_RE.sub(lambda m: f"{m.group(1) or ''}{m.group(2)}****{m.group(4)}", text)


class MaskingFilter(logging.Filter):
    """A log filter that masks phone and ID numbers in every record's message."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken record is logged as it is
            return True
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        return True


def install_log_masking() -> None:
    """Mask personal data in every log record, whatever logger wrote it."""
    root = logging.getLogger()
    for handler in root.handlers:
        if not any(isinstance(f, MaskingFilter) for f in handler.filters):
            handler.addFilter(MaskingFilter())
