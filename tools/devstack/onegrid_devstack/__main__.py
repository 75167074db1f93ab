"""``python -m onegrid_devstack run|smoke`` — what `make run` and `make smoke` do."""

from __future__ import annotations

import argparse
import signal
import sys
import tempfile
import time
from pathlib import Path

from onegrid_demotown import generate
from onegrid_devstack.flows import dispute, ordinary_report
from onegrid_devstack.stack import SERVICES, Kafka, Stack, repo_root, stack_env
from onegrid_devstack.town import inside_point


def town_files(cache: Path) -> Path:
    town = cache / "demotown"
    if not (town / "grids.geojson").exists():
        print("generating the demo town (seed 7) ...", flush=True)
        generate(town, seed=7)
    return town


def main() -> int:
    parser = argparse.ArgumentParser(prog="onegrid_devstack")
    parser.add_argument("command", choices=["run", "smoke"])
    args = parser.parse_args()
    root = repo_root()
    cache = root / ".cache"
    town = town_files(cache)
    if args.command == "run":
        data, var = cache / "kafka-run", root / "var"
        prefix = "onegrid"
    else:
        scratch = Path(tempfile.mkdtemp(prefix="onegrid-smoke-"))
        data, var = scratch / "kafka", scratch / "var"
        prefix = f"smoke{int(time.time())}"
    var.mkdir(parents=True, exist_ok=True)
    kafka = Kafka(data)
    stack: Stack | None = None
    try:
        bootstrap = kafka.start()
        urls = {name: f"sqlite+aiosqlite:///{var / name}.db" for name in SERVICES}
        stack = Stack(env=stack_env(bootstrap=bootstrap, topic_prefix=prefix, database_urls=urls, seed_dir=town),
                      log_dir=var / "logs")
        stack.start()
        stack.wait_ready()
        endpoints = {name: stack.url(name) for name in SERVICES}
        if args.command == "smoke":
            return smoke(endpoints, town)
        print("\nOneGrid is running (SQLite in var/, Kafka on " + bootstrap + ", logs in var/logs/):")
        for name, url in endpoints.items():
            print(f"  {name:<10} {url}/docs")
        print("Tokens: .venv/bin/onegrid token --role resident   (see README). Ctrl-C stops everything.")
        signal.signal(signal.SIGTERM, signal.default_int_handler)  # stop cleanly on SIGTERM as on Ctrl-C
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        return 0
    finally:
        print("\nstopping ...", flush=True)
        if stack is not None:
            stack.stop()
        kafka.stop()


def smoke(urls: dict[str, str], town: Path) -> int:
    lat, lon = inside_point(town, "G001")
    results = []
    for name, run in (("ordinary report", lambda: ordinary_report(urls, lat=lat, lon=lon)),
                      ("civil dispute", lambda: dispute(urls, grid="G001"))):
        try:
            journey = run()
        except AssertionError as exc:
            print(f"FAILED {name}: {exc}")
            return 1
        results.append(journey)
        print(f"{name}: case {journey.case_number}")
        for step, seconds in journey.steps:
            print(f"  {seconds * 1000:8.0f} ms  {step}")
    print("smoke: both cases closed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
