from functools import lru_cache

from onegrid_runtime.settings import ServiceSettings
from pydantic_settings import SettingsConfigDict


class IntakeSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="INTAKE_", env_file=".env", extra="ignore")

    service_name: str = "intake"
    http_port: int = 8001
    database_url: str = "sqlite+aiosqlite:///./var/intake.db"
    seed_dir: str | None = None  # a town's files (communities.csv, grids.geojson) imported when no grid exists


@lru_cache
def get_settings() -> IntakeSettings:
    return IntakeSettings()
