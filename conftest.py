"""Test infrastructure shared by every test in the repository.

Integration and end-to-end tests use a real Kafka broker and a real PostgreSQL server:
- ``KAFKA_BOOTSTRAP_SERVERS`` set: that broker is used; otherwise a single-node KRaft broker
  is started from infra/kafka/kafka.sh on a free port for the session and stopped after.
- ``ONEGRID_TEST_PG`` set (e.g. ``postgresql+asyncpg://postgres@127.0.0.1:5432``): that server
  is used; otherwise a throwaway cluster is started with infra/postgres/pg.sh.
Every test gets its own databases and its own topic prefix, so runs never see each other.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import tempfile
import uuid
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent
# Every test has its own topics; two partitions each keep the session's broker small (the services
# and tests set this default for themselves; a deployment keeps its 6).
os.environ.setdefault("ONEGRID_TOPIC_PARTITIONS", "2")


from onegrid_devstack.stack import free_port  # noqa: E402


def _throwaway_server(script: str, label: str, url: Callable[[int], str]) -> Iterator[str]:
    """Start infra/<script> on a free port in a temporary folder; stop and remove it afterwards."""
    data = Path(tempfile.mkdtemp(prefix=f"onegrid-{label}-"))
    port = free_port()
    subprocess.run([str(ROOT / "infra" / script), "start", str(data), str(port)], check=True, stdout=subprocess.DEVNULL)
    try:
        yield url(port)
    finally:
        subprocess.run([str(ROOT / "infra" / script), "stop", str(data)], check=False)
        shutil.rmtree(data, ignore_errors=True)


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        yield os.environ["KAFKA_BOOTSTRAP_SERVERS"]
    else:
        yield from _throwaway_server("kafka/kafka.sh", "kafka", lambda port: f"127.0.0.1:{port}")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """Base URL of a PostgreSQL server (without database name)."""
    if os.environ.get("ONEGRID_TEST_PG"):
        yield os.environ["ONEGRID_TEST_PG"].rstrip("/")
    else:
        yield from _throwaway_server("postgres/pg.sh", "pg", lambda port: f"postgresql+asyncpg://postgres@127.0.0.1:{port}")


@pytest.fixture
async def producer(kafka_bootstrap):
    """A plain idempotent Kafka producer, for tests that play another service's part."""
    from aiokafka import AIOKafkaProducer

    p = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, enable_idempotence=True)
    await p.start()
    yield p
    await p.stop()


async def _create_database(server: str, name: str) -> None:
    import asyncpg

    dsn = server.replace("postgresql+asyncpg://", "postgresql://") + "/postgres"
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


@pytest.fixture
def make_database(pg_server: str):
    """Factory: a new empty PostgreSQL database; returns its SQLAlchemy URL."""

    def make(label: str) -> str:
        name = f"{label}_{uuid.uuid4().hex[:10]}"
        # Usable from sync and async tests alike: run on a private loop in a worker thread.
        with ThreadPoolExecutor(1) as pool:
            pool.submit(asyncio.run, _create_database(pg_server, name)).result()
        return f"{pg_server}/{name}"

    return make


@pytest.fixture
def topic_prefix() -> str:
    return f"t{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="session")
def demo_town() -> Path:
    """The demo town's files, generated once per session."""
    from onegrid_demotown import generate

    out = Path(tempfile.mkdtemp(prefix="onegrid-town-"))
    generate(out, seed=7)
    return out


@pytest.fixture
async def start_service():
    """Factory: run a service app's lifespan (migrations, relay, consumer) and return an HTTP client to it."""
    import contextlib

    import httpx

    stack = contextlib.AsyncExitStack()

    async def start(app) -> httpx.AsyncClient:
        await stack.enter_async_context(app.router.lifespan_context(app))
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://service")
        return await stack.enter_async_context(client)

    yield start
    await stack.aclose()


@pytest.fixture
def start_system(tmp_path, kafka_bootstrap, make_database, topic_prefix, demo_town):
    """Factory: the four services as real processes on their own PostgreSQL databases and this test's
    topics, seeded with the demo town; stopped after the test (their logs printed if they fail to start)."""
    from onegrid_devstack.stack import SERVICES, Stack, stack_env

    stacks = []

    def start(extra: dict[str, str] | None = None, *, sqlite: bool = False):
        # sqlite=True: the embedded default of `make run`, one SQLite file per service
        urls = {name: f"sqlite+aiosqlite:///{tmp_path / name}.db" if sqlite else make_database(name) for name in SERVICES}
        stack = Stack(env=stack_env(bootstrap=kafka_bootstrap, topic_prefix=topic_prefix, seed_dir=demo_town,
                                    database_urls=urls, extra=extra),
                      log_dir=tmp_path / "logs", ports={name: free_port() for name in SERVICES})
        stacks.append(stack)
        stack.start()
        try:
            stack.wait_ready()
        except BaseException:
            for name in SERVICES:
                print(stack.log_tail(name))
            raise
        return stack

    yield start
    for stack in stacks:
        stack.stop()
