from functools import lru_cache
from typing import Annotated

from fastapi import Depends, Request
from onegrid_runtime.settings import ServiceSettings
from pydantic import Field
from pydantic_settings import SettingsConfigDict


class MediationSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="MEDIATION_", env_file=".env", extra="ignore")

    service_name: str = "mediation"
    http_port: int = 8003
    database_url: str = "sqlite+aiosqlite:///./var/mediation.db"
    # A mediation request is taken up by people: its consumer fetches in batches (see ServiceSettings).
    consumer_batch_wait_ms: int = Field(default=200, ge=0, le=5000)
    seed_dir: str | None = None  # a town's files (committees.csv, mediators.csv, residents.csv) imported when no committee exists
    hub_committee: str = "HUB"  # the Judicial Office (D05) takes disputes no committee serves
    hub_department: str = "D05"  # staff of this department act as the hub
    police_department: str = "D06"  # the police station: reads the watch list
    time_limit_days: int = Field(default=30, ge=1, description="Mediation time limit from acceptance")
    deadline_warn_days: int = Field(default=5, ge=0, description="Warn this many days before the time limit")
    judicial_confirmation_days: int = Field(default=30, ge=1, description="Window to ask a court to confirm an agreement")
    timer_seconds: float = Field(default=30.0, gt=0, description="How often the deadline timer looks")
    on_the_spot_agreements: bool = Field(
        default=True, description="Allow an oral agreement recorded on the spot for a lead sent by dispatch "
                                  "(never for a dispute on the watch list)")
    risk_rules_file: str | None = None  # default: mediation/rules/risk.yaml
    expertise_file: str | None = None  # default: mediation/rules/expertise.yaml


@lru_cache
def get_settings() -> MediationSettings:
    return MediationSettings()


def _app_settings(request: Request) -> MediationSettings:
    return request.app.state.settings


# The running app's settings, as a route dependency.
Settings = Annotated[MediationSettings, Depends(_app_settings)]
