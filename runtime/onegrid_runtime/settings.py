"""Settings base: each service subclasses it with its own env prefix (INTAKE_, DISPATCH_, ...)."""

from __future__ import annotations

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_JWT_SECRET = "onegrid-local-development-secret-change-me"


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    service_name: str = "service"
    environment: str = Field(default="local", validation_alias=AliasChoices("environment", "ONEGRID_ENVIRONMENT"),
                             description="local | test | production")
    http_port: int = 8000
    database_url: str = ""
    # Shared by all services, so also read without the service prefix.
    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:9092", validation_alias=AliasChoices("kafka_bootstrap_servers", "KAFKA_BOOTSTRAP_SERVERS")
    )
    topic_prefix: str = Field(
        default="onegrid",
        validation_alias=AliasChoices("topic_prefix", "ONEGRID_TOPIC_PREFIX"),
        description="Prefix of every topic and consumer group, so several deployments can share a cluster",
    )
    jwt_secret: str = Field(default=DEV_JWT_SECRET, validation_alias=AliasChoices("jwt_secret", "ONEGRID_JWT_SECRET"))
    jurisdiction: str = Field(default="YYB", validation_alias=AliasChoices("jurisdiction", "ONEGRID_JURISDICTION"))
    timezone: str = Field(default="Asia/Shanghai", validation_alias=AliasChoices("timezone", "ONEGRID_TIMEZONE"))
    topic_partitions: int = Field(default=6, validation_alias=AliasChoices("topic_partitions", "ONEGRID_TOPIC_PARTITIONS"))
    topic_replication: int = Field(default=1, validation_alias=AliasChoices("topic_replication", "ONEGRID_TOPIC_REPLICATION"))
    log_level: str = "INFO"
    migrate_on_start: bool = True
    relay_poll_seconds: float = 1.0
    # The relay publishes each commit's outbox rows from memory right after the commit (see outbox.py).
    # Keeps each case's events in order within one replica; switch off when running several replicas of
    # a service, so the advisory-locked table scan orders them across replicas.
    outbox_publish_on_commit: bool = Field(
        default=True, validation_alias=AliasChoices("outbox_publish_on_commit", "ONEGRID_OUTBOX_PUBLISH_ON_COMMIT")
    )
    outbox_sweep_seconds: float = 1.0  # how often rows published from memory are deleted
    outbox_orphan_seconds: float = 2.0  # rows this old that no commit handed over are published by the scan
    # How long shutdown waits for the background loops (relay, consumer, timers) after cancelling them.
    shutdown_grace_seconds: float = 15.0
    consumer_max_attempts: int = 3
    # Kafka offsets are committed at most this often (and when the consumer idles, stops or loses partitions),
    # not after every fetch: after a crash at most this much is fetched again, and the inbox skips it.
    offset_commit_seconds: float = 0.5
    # How long the broker may hold the consumer's fetch to gather records (Kafka's fetch.max.wait.ms with a
    # large fetch.min.bytes). 0: each record is fetched as soon as it is there, for the consumers on the way
    # from a report to its department (dispatch, notify). Consumers whose readers look on a human scale
    # (intake's reporter view, mediation) wait 200 ms: at load, one fetch and one transaction per 200 ms
    # instead of one per few records.
    consumer_batch_wait_ms: int = Field(default=0, ge=0, le=5000)

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> "ServiceSettings":
        if self.environment == "production" and self.jwt_secret == DEV_JWT_SECRET:
            raise ValueError("ONEGRID_JWT_SECRET must be set to a real secret in production")
        if self.environment == "production" and len(self.jwt_secret) < 32:
            raise ValueError("ONEGRID_JWT_SECRET must be at least 32 characters in production")
        return self

    def topic(self, producer: str) -> str:
        return f"{self.topic_prefix}.{producer}.v1"

    @property
    def dead_letter_topic(self) -> str:
        return f"{self.topic_prefix}.{self.service_name}.dlq"

    @property
    def consumer_group(self) -> str:
        return f"{self.topic_prefix}.{self.service_name}"

    @property
    def source(self) -> str:
        return f"/onegrid/{self.jurisdiction}/{self.service_name}"
