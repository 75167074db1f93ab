from functools import lru_cache

from onegrid_runtime.settings import ServiceSettings
from pydantic import Field
from pydantic_settings import SettingsConfigDict


class NotifySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="NOTIFY_", env_file=".env", extra="ignore")

    service_name: str = "notify"
    http_port: int = 8004
    database_url: str = "sqlite+aiosqlite:///./var/notify.db"
    rules_file: str | None = None  # defaults to the rules.yaml shipped with the service
    templates_dir: str | None = None  # defaults to the templates shipped with the service
    default_language: str = Field(default="zh", description="Language of recipients the directory does not know")
    case_link: str = Field(default="https://onegrid.local/cases/{case_id}",
                           description="Link put in messages; {case_id} and {case_number} are replaced")

    # The delivery worker (durable queue in the `delivery` table).
    delivery_enabled: bool = True
    delivery_poll_seconds: float = 0.5
    # How often the notification counts' change rows are folded into one per channel and status (notify.tally).
    tally_compact_seconds: float = 5.0
    # After a wake-up, wait this long before claiming (one claim takes what several commits queued), and before
    # recording finished sends (one transaction records what several sends returned).
    delivery_coalesce_seconds: float = 0.05
    delivery_batch: int = 200
    delivery_queue_per_slot: int = Field(
        default=16, ge=1, description="Deliveries claimed ahead per concurrent send of an endpoint: one claim feeds "
                                      "many sends, and a claimed delivery's lease covers its wait in the queue")
    max_attempts: int = Field(default=8, ge=1, description="Attempts before a delivery goes to the dead letter")
    retry_base_seconds: float = Field(default=30.0, gt=0, description="First retry delay; doubles per attempt")
    retry_max_seconds: float = Field(default=3600.0, gt=0)
    lease_margin_seconds: float = Field(default=30.0, ge=0,
                                        description="A claimed delivery is retried after timeout + margin if its worker died")

    # Webhooks
    webhook_timeout_seconds: float = 10.0
    webhook_concurrency: int = Field(default=4, ge=1, description="Deliveries in flight per subscription")
    webhook_pause_after_failures: int = Field(default=20, ge=1,
                                              description="Consecutive failed attempts that pause a subscription")
    secret_rotation_grace_seconds: float = Field(default=86400.0, ge=0,
                                                 description="How long the previous secret still signs after rotation")

    # E-mail (SMTP)
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_start_tls: bool = False
    smtp_sender: str = "OneGrid <notify@onegrid.local>"
    smtp_timeout_seconds: float = 10.0
    smtp_concurrency: int = Field(
        default=16, ge=1, description="SMTP sessions in flight per replica. Each e-mail is four round trips (aiosmtplib "
        "has no PIPELINING); with 4 sessions the e-mails fell behind at 600 reports/s on a busy machine")

    # SMS
    sms_provider: str = Field(default="file", description="'file' or 'package.module:ClassName' of an SmsProvider")
    sms_file: str = "./var/sms.jsonl"
    sms_timeout_seconds: float = 10.0
    sms_concurrency: int = Field(default=4, ge=1)
    sms_quiet_hours: str = Field(default="22:00-07:00",
                                 description="Local time window (ONEGRID_TIMEZONE) without non-urgent SMS; empty = none")


@lru_cache
def get_settings() -> NotifySettings:
    return NotifySettings()
