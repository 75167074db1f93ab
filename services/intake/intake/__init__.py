"""OneGrid intake service."""
