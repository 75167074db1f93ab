from functools import lru_cache

from onegrid_runtime.settings import ServiceSettings
from pydantic import Field
from pydantic_settings import SettingsConfigDict

from dispatch.routing import DEFAULT_CONFIDENCE_THRESHOLD


class DispatchSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="DISPATCH_", env_file=".env", extra="ignore")

    service_name: str = "dispatch"
    http_port: int = 8002
    database_url: str = "sqlite+aiosqlite:///./var/dispatch.db"
    # Data files (None: the defaults shipped beside the code).
    calendar_file: str | None = Field(default=None, description="Working calendar (calendar.yaml)")
    deadlines_file: str | None = Field(default=None, description="Deadlines by category and priority (deadlines.yaml)")
    routing_rules_file: str | None = Field(default=None, description="Routing overrides (routing_rules.yaml)")
    # Routing
    routing_confidence_threshold: float = Field(default=DEFAULT_CONFIDENCE_THRESHOLD, ge=0, le=1)
    max_hops: int = Field(default=3, description="Returns after which a case goes to triage instead of onwards")
    next_candidate_min_score: float = Field(default=0.15, description="A returned case goes to the next candidate "
                                            "only if the model gave it at least this score")
    # Timers
    timer_poll_seconds: float = 5.0


@lru_cache
def get_settings() -> DispatchSettings:
    return DispatchSettings()
