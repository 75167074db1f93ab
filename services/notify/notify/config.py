from functools import lru_cache

from onegrid_runtime.settings import ServiceSettings
from pydantic_settings import SettingsConfigDict


class NotifySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFY_", env_file=".env", extra="ignore")

    service_name: str = "notify"
    http_port: int = 8004
    database_url: str = "sqlite+aiosqlite:///./var/notify.db"
    rules_file: str | None = None  # defaults to the rules.yaml shipped with the service


@lru_cache
def get_settings() -> NotifySettings:
    return NotifySettings()
