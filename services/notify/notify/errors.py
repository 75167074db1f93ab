"""Notify errors: all derive from the runtime's OneGridError and render as problem details."""

from onegrid_runtime.errors import InvalidInput, NotFound

__all__ = ["InvalidInput", "NotFound"]
