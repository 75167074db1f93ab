"""OneGrid dispatch service."""
