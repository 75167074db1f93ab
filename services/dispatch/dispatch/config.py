from functools import lru_cache

from onegrid_runtime.settings import ServiceSettings
from pydantic_settings import SettingsConfigDict


class DispatchSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="DISPATCH_", env_file=".env", extra="ignore")

    service_name: str = "dispatch"
    http_port: int = 8002
    database_url: str = "sqlite+aiosqlite:///./var/dispatch.db"
    urgent_deadline_hours: float = 4.0
    normal_deadline_days: float = 5.0


@lru_cache
def get_settings() -> DispatchSettings:
    return DispatchSettings()
