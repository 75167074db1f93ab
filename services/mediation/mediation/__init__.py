"""OneGrid mediation service."""
