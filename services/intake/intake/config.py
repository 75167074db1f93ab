from functools import lru_cache

from onegrid_runtime.settings import ServiceSettings
from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

DEV_OPEN311_KEY = "onegrid-open311-dev-key"


class IntakeSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="INTAKE_", env_file=".env", extra="ignore")

    service_name: str = "intake"
    http_port: int = 8001
    database_url: str = "sqlite+aiosqlite:///./var/intake.db"
    # The reporter's view is read by people: its consumer fetches in batches (see ServiceSettings).
    consumer_batch_wait_ms: int = Field(default=200, ge=0, le=5000)
    # A town's files (communities.csv, grids.geojson, households.csv, residents.csv): the grid
    # register is imported when no grid exists, the household register when no household exists.
    seed_dir: str | None = None
    # How often a replica checks whether the grid register changed (an import through another replica
    # or the command line) and reloads its in-memory grid index.
    grid_refresh_seconds: float = 10.0
    # Attachments
    storage_dir: str = "./var/intake-files"
    upload_max_bytes: int = 10 * 1024 * 1024
    upload_types: tuple[str, ...] = ("image/jpeg", "image/png", "image/webp")
    # Duplicates: rules as data (YAML); None = the rules shipped with intake (intake/duplicates.yaml)
    duplicates_enabled: bool = True
    duplicate_rules: str | None = None
    # Feedback: a dissatisfied rating (<= this) within the window after resolution asks to reopen
    reopen_window_days: float = 7.0
    dissatisfied_at_most: int = 2
    # Open311: api_key -> client name (set INTAKE_OPEN311_API_KEYS='{"key": "client"}' in production)
    open311_api_keys: dict[str, str] = Field(default_factory=lambda: {DEV_OPEN311_KEY: "local-client"})
    open311_max_requests: int = 1000
    open311_max_days: int = 90
    public_url: str = "http://127.0.0.1:8001"

    @model_validator(mode="after")
    def _refuse_development_open311_key(self) -> "IntakeSettings":
        if self.environment == "production" and DEV_OPEN311_KEY in self.open311_api_keys:
            raise ValueError("INTAKE_OPEN311_API_KEYS must not contain the development key in production")
        return self


@lru_cache
def get_settings() -> IntakeSettings:
    return IntakeSettings()
