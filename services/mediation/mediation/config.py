from functools import lru_cache

from onegrid_runtime.settings import ServiceSettings
from pydantic_settings import SettingsConfigDict


class MediationSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MEDIATION_", env_file=".env", extra="ignore")

    service_name: str = "mediation"
    http_port: int = 8003
    database_url: str = "sqlite+aiosqlite:///./var/mediation.db"
    seed_dir: str | None = None  # a town's files (communities.csv, committees.csv) imported when no committee exists
    hub_committee: str = "HUB"  # the Judicial Office (D05) takes disputes no committee serves


@lru_cache
def get_settings() -> MediationSettings:
    return MediationSettings()
