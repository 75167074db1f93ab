"""docker-compose.yml cannot run here (no Docker engine): check it statically against the code."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
APPS = ["intake", "dispatch", "mediation", "notify"]


def _compose() -> dict:
    text = (ROOT / "docker-compose.yml").read_text()
    operator_given = {"INTAKE_OPEN311_API_KEYS": '\'{"a-real-key": "city-app"}\''}  # what an operator sets
    text = re.sub(r"\$\{(\w+)(:\?[^}]*|:-([^}]*))?\}",
                  lambda m: operator_given.get(m.group(1)) or m.group(3) or "x" * 40, text)  # interpolate
    return yaml.safe_load(text)


def _settings_class(service: str):
    module = importlib.import_module(f"{service}.config")
    return next(v for k, v in vars(module).items() if k.endswith("Settings") and k != "ServiceSettings")


def test_compose_has_the_infrastructure_and_the_four_services():
    services = _compose()["services"]
    assert {"kafka", "postgres", *APPS} <= set(services)
    kafka_version = re.search(r"<kafka.version>(.+)</kafka.version>", (ROOT / "infra/kafka/pom.xml").read_text()).group(1)
    assert services["kafka"]["image"] == f"apache/kafka:{kafka_version}"  # same broker as tests run against
    assert services["kafka"]["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"  # KRaft, no ZooKeeper
    assert "healthcheck" in services["kafka"] and "healthcheck" in services["postgres"]


def test_each_service_is_built_wired_and_configured_with_settings_it_understands(monkeypatch):
    compose = _compose()
    init_sql = (ROOT / "deploy/postgres-init.sql").read_text()
    dockerfile = (ROOT / compose["services"]["intake"]["build"]["dockerfile"]).read_text()
    for source in re.findall(r"^COPY (\S+)", dockerfile, flags=re.M):
        assert (ROOT / source.replace("${SERVICE}", "intake")).exists(), source
    ports = set()
    for name in APPS:
        svc = compose["services"][name]
        assert svc["build"]["args"]["SERVICE"] == name
        assert importlib.import_module(f"{name}.main").app is not None
        assert svc["depends_on"]["kafka"]["condition"] == "service_healthy"
        assert svc["depends_on"]["postgres"]["condition"] == "service_healthy"
        env = svc["environment"]
        url = env[f"{name.upper()}_DATABASE_URL"]
        assert url.startswith("postgresql+asyncpg://") and url.rsplit("/", 1)[1] == name
        assert f"CREATE DATABASE {name};" in init_sql
        assert env["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
        ports.add(svc["ports"][0].split(":")[0])
        # Every variable is one the service reads, and the production settings validate.
        cls = _settings_class(name)
        prefix = cls.model_config["env_prefix"]
        aliases = {choice.upper() for f in cls.model_fields.values() if f.validation_alias
                   for choice in getattr(f.validation_alias, "choices", [f.validation_alias])}
        for key in env:
            known = key in aliases or (key.startswith(prefix) and key[len(prefix):].lower() in cls.model_fields)
            assert known, f"{name}: {key} is not a setting of {cls.__name__}"
        with monkeypatch.context() as m:  # read from the environment exactly as the container would
            for key, value in env.items():
                m.setenv(key, str(value))
            settings = cls()
        assert settings.environment == "production"
    assert ports == {"8001", "8002", "8003", "8004"}


def test_seeded_services_mount_the_town_volume():
    compose = _compose()
    for name in ("intake", "mediation"):
        svc = compose["services"][name]
        assert svc["environment"][f"{name.upper()}_SEED_DIR"] == "/town"
        assert "town:/town:ro" in svc["volumes"]
        assert svc["depends_on"]["town"]["condition"] == "service_completed_successfully"


def test_writable_state_lives_in_volumes_the_unprivileged_user_owns():
    compose = _compose()
    dockerfile = (ROOT / "deploy/Dockerfile").read_text()
    assert "USER nobody" in dockerfile and "chown nobody /data" in dockerfile
    intake, notify = compose["services"]["intake"], compose["services"]["notify"]
    assert intake["environment"]["INTAKE_STORAGE_DIR"].startswith("/data/") and "intake-data:/data" in intake["volumes"]
    assert notify["environment"]["NOTIFY_SMS_FILE"].startswith("/data/") and "notify-data:/data" in notify["volumes"]
    assert {"intake-data", "notify-data"} <= set(compose["volumes"])
