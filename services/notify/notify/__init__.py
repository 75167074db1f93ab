"""OneGrid notify service."""
