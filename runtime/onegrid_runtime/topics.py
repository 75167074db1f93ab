"""Topics are created by the services that use them, before producing or consuming, so that
no consumer waits for a metadata refresh to discover a topic created later by someone else."""

from __future__ import annotations

import logging

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from onegrid_runtime.aio import bounded
from onegrid_runtime.settings import ServiceSettings

log = logging.getLogger("onegrid.topics")


async def ensure_topics(settings: ServiceSettings, names: list[str], *, timeout: float = 15.0) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers, request_timeout_ms=int(timeout * 1000))
    try:
        await bounded(admin.start(), timeout)
        existing = set(await bounded(admin.list_topics(), timeout))
        missing = [n for n in names if n not in existing]
        if not missing:
            return
        topics = [NewTopic(n, num_partitions=settings.topic_partitions, replication_factor=settings.topic_replication)
                  for n in missing]
        try:
            await bounded(admin.create_topics(topics), timeout)
            log.info("created topics %s", ", ".join(missing))
        except TopicAlreadyExistsError:
            pass  # another service created them meanwhile
    finally:
        try:
            await bounded(admin.close(), timeout)
        except Exception as exc:
            log.debug("admin close failed: %r", exc)
