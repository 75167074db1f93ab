"""`make bench`: the whole pipeline measured in one run against the machine's own limits.

Starts PostgreSQL (durable settings), Kafka and the four services as in production (one uvicorn
worker each, PostgreSQL), then measures baseline HTTP, intake throughput, the pipeline's latency
at fixed rates and its highest sustainable rate, routing speed and accuracy, growth (empty vs
1,000,000 stored cases; 106 vs 10,000 grids) and the bare Kafka round trip. Writes
bench/results/latest.json and prints one line per figure.

    .venv/bin/python bench/bench.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
RESULTS: dict[str, float] = {}
NOTES: dict[str, str] = {}


def record(key: str, value: float, unit: str = "", note: str = "") -> None:
    RESULTS[key] = round(value, 3)
    if note:
        NOTES[key] = note
    print(f"{key:<28} {value:>12.3f} {unit:<8} {note}", flush=True)


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


PROCESS_NAMES: dict[int, str] = {}  # pid -> what it is (the services, the mail sink, this bench)


def machine_ticks() -> tuple[int, int]:
    """(busy, all) clock ticks of every core so far, from /proc/stat: busy is all but idle and iowait."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return sum(fields[:8]) - fields[3] - fields[4], sum(fields[:8])


def cpu_by_process() -> dict[str, float]:
    """CPU seconds used so far by every running process of the machine, grouped: the named pids, then
    PostgreSQL's and Kafka's processes by command; anything else is "other"."""
    totals: dict[str, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        comm, fields = text[text.index("(") + 1:text.rindex(")")], text[text.rindex(")") + 2:].split()
        name = PROCESS_NAMES.get(int(stat.parent.name)) or (
            "postgresql" if comm.startswith("postgres") else "kafka" if comm == "java" else "other")
        totals[name] = totals.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / tick  # utime + stime
    return totals


# --- in-process figures --------------------------------------------------------------------


def bench_grid_lookup(town: Path) -> None:
    from onegrid_demotown import scaled_grids
    from shapely.geometry import shape

    from intake.grids import GridIndex
    from intake.models import Grid

    def index_of(collection: dict) -> tuple[GridIndex, tuple[float, float, float, float]]:
        grids = [Grid(code=f["properties"]["code"], jurisdiction="YYB", community=f["properties"].get("community", "X"),
                      name_en="", name_zh="", kind="community", geometry=f["geometry"]) for f in collection["features"]]
        union = [shape(f["geometry"]).bounds for f in collection["features"]]
        bounds = (min(b[0] for b in union), min(b[1] for b in union), max(b[2] for b in union), max(b[3] for b in union))
        return GridIndex(grids), bounds

    for label, collection in (("106", json.loads((town / "grids.geojson").read_text())), ("10k", scaled_grids(10000))):
        index, (x0, y0, x1, y1) = index_of(collection)
        rng = random.Random(1)
        points = [(rng.uniform(y0, y1), rng.uniform(x0, x1)) for _ in range(20000)]
        hits = 0
        started = time.perf_counter()
        for lat, lon in points:
            hits += index.locate(lat, lon) is not None
        per = (time.perf_counter() - started) / len(points) * 1e6
        record(f"grid_lookup_us_{label}", per, "µs", f"{len(collection['features'])} grids, {hits}/{len(points)} points hit")


def bench_routing() -> None:
    from dispatch.routing import RoutingModel, load_departments_csv, load_examples_csv

    catalog = ROOT / "contracts/onegrid_contracts/catalog/departments.csv"
    data = ROOT / "tests/data/routing"
    model = RoutingModel.train(load_departments_csv(catalog), load_examples_csv(data / "train.csv"))
    test = load_examples_csv(data / "test.csv")
    started = time.perf_counter()
    correct = sum(model.predict(text).department == dept for text, dept in test)
    elapsed = time.perf_counter() - started
    record("routing_per_s", len(test) / elapsed, "/s", "single predictions, trained model")
    record("routing_accuracy", correct / len(test), "", f"dev set test split ({len(test)} texts)")


async def bench_kafka_rtt(bootstrap: str) -> None:
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

    topic = f"bench.rtt.{uuid.uuid4().hex[:6]}"
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, linger_ms=0)
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, fetch_max_wait_ms=5, auto_offset_reset="latest",
                                group_id=f"rtt-{uuid.uuid4().hex[:6]}")
    await producer.start()
    await producer.send_and_wait(topic, b"warm")
    await consumer.start()
    await asyncio.sleep(1)
    times = []
    try:
        for i in range(500):
            started = time.perf_counter()
            await producer.send_and_wait(topic, str(i).encode())
            await consumer.getone()
            times.append((time.perf_counter() - started) * 1000)
    finally:
        await producer.stop()
        await consumer.stop()
    record("kafka_rtt_p50_ms", pct(times, 50), "ms")
    record("kafka_rtt_p99_ms", pct(times, 99), "ms", "bare aiokafka produce(acks=all)→consume, one hop")


# --- the system ----------------------------------------------------------------------------


OBSERVED = ("intake", "dispatch", "notify")  # the topics the observer reads (bench.<service>.v1)


async def stamp_observed_topics(bootstrap: str, prefix: str) -> None:
    """The observed topics stamp each record with the broker's clock when it is appended (LogAppendTime), so a
    record's timestamp is the moment it was on Kafka. Created here (as the services would, with their partition
    count) before the services start, or changed if they exist."""
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic
    from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
    from onegrid_runtime.settings import ServiceSettings

    partitions = ServiceSettings().topic_partitions  # ONEGRID_TOPIC_PARTITIONS, as the services read it
    names = [f"{prefix}.{service}.v1" for service in OBSERVED]
    config = {"message.timestamp.type": "LogAppendTime"}
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [NewTopic(n, num_partitions=partitions, replication_factor=1, topic_configs=config)
                   for n in names if n not in existing]
        if missing:
            await admin.create_topics(missing)
        await admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, n, configs=config)
                                   for n in names if n in existing])
    finally:
        await admin.close()


class Observer:
    """A plain consumer of intake's, dispatch's and notify's topics: when was each case's `case.reported` on Kafka,
    when its `case.dispatched`, and when the department's notification of that dispatch was recorded?

    "When" is the record's timestamp, which the broker sets as it appends the record (see stamp_observed_topics),
    not when this consumer happens to fetch it: so the observer can fetch in large batches (a fetch waits up to
    0.5 s for 1 MiB) and take little of the CPU the services share. Fetching each record at once cost the
    observer ~0.7 ms of CPU per report at 200/s (round 7), about 7 % of the machine."""

    def __init__(self, bootstrap: str, prefix: str) -> None:
        self.bootstrap, self.prefix = bootstrap, prefix
        self.reported: dict[str, float] = {}
        self.dispatched: dict[str, float] = {}
        self.notified: dict[str, float] = {}
        self.fetched_late = 0  # records without the broker's timestamp: timed at their fetch instead
        self.consumer = None
        self.task: asyncio.Task | None = None

    async def run(self) -> None:
        from aiokafka import AIOKafkaConsumer

        consumer = AIOKafkaConsumer(*(f"{self.prefix}.{service}.v1" for service in OBSERVED),
                                    bootstrap_servers=self.bootstrap, fetch_max_wait_ms=500, fetch_min_bytes=1 << 20,
                                    auto_offset_reset="earliest", group_id=f"observer-{uuid.uuid4().hex[:6]}",
                                    max_poll_records=5000, enable_auto_commit=False)
        await consumer.start()
        self.consumer = consumer
        try:
            while True:
                batches = await consumer.getmany(timeout_ms=1000)
                now = time.time()
                for records in batches.values():
                    for r in records:
                        if r.timestamp_type == 1:  # LogAppendTime
                            at = r.timestamp / 1000
                        else:
                            at = now
                            self.fetched_late += 1
                        kind = dict(r.headers).get("ce_type", b"").decode()
                        case = r.key.decode()
                        if kind == "onegrid.case.reported":
                            self.reported.setdefault(case, at)
                        elif kind == "onegrid.case.dispatched":
                            self.dispatched.setdefault(case, at)
                        elif kind == "onegrid.notifications.recorded" and b'"source_event_type":"onegrid.case.dispatched"' in r.value.replace(b" ", b""):
                            self.notified.setdefault(case, at)
        finally:
            self.consumer = None
            await consumer.stop()

    async def caught_up(self, timeout: float = 30.0) -> None:
        """Wait until the observer has read everything on its topics now."""
        deadline = time.monotonic() + timeout
        while self.consumer is None or not self.consumer.assignment():
            if time.monotonic() > deadline:
                raise RuntimeError("the observer has no partitions")
            await asyncio.sleep(0.1)
        consumer = self.consumer
        ends = await consumer.end_offsets(list(consumer.assignment()))
        while time.monotonic() < deadline:
            if all([await consumer.position(tp) >= end for tp, end in ends.items()]):
                return
            await asyncio.sleep(0.1)
        raise RuntimeError(f"the observer did not catch up within {timeout}s")


async def consumer_lag(bootstrap: str, groups: list[str]) -> int:
    from aiokafka import AIOKafkaConsumer
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    probe = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await admin.start()
    await probe.start()
    try:
        total = 0
        for group in groups:
            committed = await admin.list_consumer_group_offsets(group)
            if not committed:
                continue
            ends = await probe.end_offsets(list(committed))
            total += sum(max(0, ends[tp] - max(meta.offset, 0)) for tp, meta in committed.items())
        return total
    finally:
        await admin.close()
        await probe.stop()


async def wait_drained(bootstrap: str, prefix: str, timeout: float = 240) -> float:
    groups = [f"{prefix}.{s}" for s in ("dispatch", "notify", "mediation", "intake")]
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if await consumer_lag(bootstrap, groups) == 0:
            return time.monotonic() - started
        await asyncio.sleep(0.5)
    raise RuntimeError(f"consumers did not catch up within {timeout}s")


async def wait_emails_sent(notify_url: str, token: str, timeout: float = 180) -> float:
    """Wait until notify has no e-mail left to send, so a phase's figures do not include the e-mails of the
    one before (sending continues after Kafka is drained: the delivery queue is notify's own)."""
    started = time.monotonic()
    async with httpx.AsyncClient(timeout=10) as client:
        while time.monotonic() - started < timeout:
            # The pending e-mails alone (the status index), not the per-channel counts of the whole delivery
            # log, whose scan grew with every phase and was charged to the phase's CPU.
            page = (await client.get(f"{notify_url}/v1/notifications", params={
                "channel": "email", "status": "pending", "limit": 1}, headers={"Authorization": f"Bearer {token}"})).json()
            if page["total"] == 0:
                return time.monotonic() - started
            await asyncio.sleep(0.5)
    raise RuntimeError(f"notify did not send its e-mails within {timeout}s")


async def open_loop(url: str, rate: float, seconds: float, token: str, grids: list[str], tmp: Path) -> list[dict]:
    """Run the open-loop generator in enough processes that it is not the bottleneck."""
    processes = max(1, min(4, int(rate // 400) + 1))
    outs = [tmp / f"load-{rate}-{i}-{uuid.uuid4().hex[:4]}.jsonl" for i in range(processes)]
    procs = [await asyncio.create_subprocess_exec(
        sys.executable, str(ROOT / "bench/loadgen.py"), url, str(rate / processes), str(seconds), token, str(out),
        "--grids", ",".join(grids), "--connections", str(max(8, int(64 / processes)))) for out in outs]
    for proc in procs:
        await proc.wait()
    rows = []
    for out in outs:
        rows.extend(json.loads(line) for line in out.read_text().splitlines())
    return rows


async def pipeline_phase(observer: Observer, url: str, rate: float, seconds: float, token: str, grids: list[str],
                         tmp: Path, bootstrap: str, prefix: str, notify_url: str) -> dict[str, float]:
    cpu_before, wall, processes_before = child_cpu(), time.monotonic(), cpu_by_process()
    ticks_before = machine_ticks()
    rows = await open_loop(url, rate, seconds, token, grids, tmp)
    generator_cpu = (child_cpu() - cpu_before) / (time.monotonic() - wall)
    # How busy the whole machine was while the reports went in: near 1, every latency is queueing for a core.
    ticks = [after - before for after, before in zip(machine_ticks(), ticks_before)]
    machine_busy = ticks[0] / ticks[1] if ticks[1] else 0.0
    # What is left behind when the sending stops: the consumers' lag, then notify's e-mail queue.
    lag_drain = await wait_drained(bootstrap, prefix, timeout=240)
    email_drain = await wait_emails_sent(notify_url, token)
    drain = lag_drain + email_drain
    processes = {name: used - processes_before.get(name, 0.0) for name, used in cpu_by_process().items()}
    processes["load generator"] = child_cpu() - cpu_before
    await observer.caught_up()
    ok = [r for r in rows if r["status"] == 202]
    dispatch_ms = [(observer.dispatched[r["case_id"]] - r["sent"]) * 1000 for r in ok if r["case_id"] in observer.dispatched]
    reported_ms = [(observer.reported[r["case_id"]] - r["sent"]) * 1000 for r in ok if r["case_id"] in observer.reported]
    notify_ms = [(observer.notified[r["case_id"]] - r["sent"]) * 1000 for r in ok if r["case_id"] in observer.notified]
    # Sustained rate: reports dispatched per second while the phase's dispatches came out (its latency
    # tail would bias a send-to-last-dispatch span low by latency/duration).
    times = sorted(observer.dispatched[r["case_id"]] for r in ok if r["case_id"] in observer.dispatched)
    span = times[-1] - times[0] if len(times) > 1 else 0.0
    return {
        "rate": rate, "sent": len(rows), "accepted": len(ok), "dispatched": len(dispatch_ms), "notified": len(notify_ms),
        "http_p99_ms": pct([(r["done"] - r["sent"]) * 1000 for r in ok], 99),
        "reported_p50_ms": pct(reported_ms, 50), "reported_p99_ms": pct(reported_ms, 99),
        "dispatch_p50_ms": pct(dispatch_ms, 50), "dispatch_p95_ms": pct(dispatch_ms, 95), "dispatch_p99_ms": pct(dispatch_ms, 99),
        "notify_p50_ms": pct(notify_ms, 50), "notify_p95_ms": pct(notify_ms, 95), "notify_p99_ms": pct(notify_ms, 99),
        "e2e_rate": len(dispatch_ms) / span if span > 0 else 0.0, "drain_s": drain,
        "lag_drain_s": lag_drain, "email_drain_s": email_drain, "generator_cpu": generator_cpu,
        "machine_busy": machine_busy,
        # CPU per accepted report, by process, over the phase and its drain
        "cpu_ms_per_report": {name: round(used * 1000 / max(1, len(ok)), 3) for name, used in
                              sorted(processes.items(), key=lambda item: -item[1]) if used > 0.005},
    }


async def settle(quiet: float = 0.15, longest: float = 30.0) -> None:
    """Wait until the machine is quiet (all processes together below ``quiet`` of a core over a second), at
    most ``longest`` seconds."""
    started = time.monotonic()
    while time.monotonic() - started < longest:
        before = cpu_by_process()
        await asyncio.sleep(1)
        after = cpu_by_process()
        if sum(used - before.get(name, 0.0) for name, used in after.items()) < quiet:
            return


def wrk(url: str, seconds: int, env: dict[str, str], connections: int = 64) -> tuple[float, float]:
    before, started = child_cpu(), time.monotonic()
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", str(ROOT / "bench/post_report.lua"),
                          url], capture_output=True, text=True, env={**os.environ, **env}, check=True).stdout
    cpu = (child_cpu() - before) / (time.monotonic() - started)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        print(f"  wrk: {errors.group(1)} non-2xx responses", flush=True)
    return rps, cpu


def sequential_latency(url: str, token: str, grids: list[str], n: int = 300) -> float:
    times = []
    with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=10) as http:
        for i in range(n):
            started = time.perf_counter()
            r = http.post(url, json={"channel": "external", "category": "C01", "grid": grids[i % len(grids)],
                                     "description": f"sequential probe {i}"})
            times.append((time.perf_counter() - started) * 1000)
            assert r.status_code == 202, r.text
    return pct(times[20:], 50)


async def fill_history(pg: str, rows: int) -> float:
    """Store `rows` closed cases in intake's and dispatch's tables, as years of history would."""
    import asyncpg

    started = time.monotonic()
    base = pg.replace("postgresql+asyncpg://", "postgresql://")
    for database, sql in (
        ("intake", """INSERT INTO report (id, case_number, jurisdiction, channel, description, category, grid, community,
                         priority, reported_at, status, status_at)
                      SELECT gen_random_uuid(), 'HIST-' || g, 'YYB', 'external', 'historic case ' || g, 'C01',
                             'G' || lpad(((g % 106) + 1)::text, 3, '0'), 'CM01', 'normal',
                             now() - (g || ' minutes')::interval, 'closed', now() - (g || ' minutes')::interval
                      FROM generate_series(1, $1) g"""),
        ("dispatch", """INSERT INTO "case" (id, case_number, jurisdiction, category, description, grid, community, priority,
                           urgent, status, department, hop, reported_at, closed_at, co_departments, routing, updated_at)
                        SELECT gen_random_uuid(), 'HIST-' || g, 'YYB', 'C01', 'historic case ' || g,
                               'G' || lpad(((g % 106) + 1)::text, 3, '0'), 'CM01', 'normal', false, 'closed', 'D07', 0,
                               now() - (g || ' minutes')::interval, now(), '[]', '{}', now()
                        FROM generate_series(1, $1) g"""),
    ):
        conn = await asyncpg.connect(f"{base}/{database}")
        try:
            await conn.execute(sql, rows)
            await conn.execute("VACUUM ANALYZE")
            # Write the new pages out now: a checkpoint flushing 1,000,000 rows' pages during the probes
            # would measure the disk, not how the hot queries grow with history.
            await conn.execute("CHECKPOINT")
        finally:
            await conn.close()
    # And the operating system's dirty pages too (WAL segments, VACUUM's writes): otherwise their writeback
    # competes with the probes' commits (each waits for a WAL flush) for the disk.
    os.sync()
    return time.monotonic() - started


def mail_sink(port: int) -> subprocess.Popen:
    """A mail server that accepts and drops, so notify's e-mail deliveries succeed as in production (without one
    they would fail fast and their sending cost would be missing from the figures). It stands for the town's mail
    server, which runs elsewhere: Postfix's `smtp-sink` (C, ~0.1 ms of CPU per message) when installed, else
    aiosmtpd's Sink (Python, ~0.5 ms per message, taken from the cores the services share)."""
    sink = shutil.which("smtp-sink", path=f"{os.environ.get('PATH', '')}:/usr/sbin")  # sbin is off some PATHs
    if sink:
        as_user = ["-u", "nobody"] if os.getuid() == 0 else []  # it refuses to run as root
        command = [sink, *as_user, f"127.0.0.1:{port}", "256"]
    else:
        print("  mail sink: aiosmtpd (install postfix for its C smtp-sink, which takes less of the shared cores)")
        command = [sys.executable, "-m", "aiosmtpd", "-n", "-c", "aiosmtpd.handlers.Sink", "-l", f"127.0.0.1:{port}"]
    NOTES["mail_sink"] = Path(command[0]).name if sink else "aiosmtpd.handlers.Sink"
    return subprocess.Popen(command)


async def main(quick: bool) -> None:
    from onegrid_contracts.catalog import load_catalog
    from onegrid_demotown import generate
    from onegrid_devstack.stack import SERVICES, Stack, free_port, stack_env
    from onegrid_runtime.auth import issue_token
    from onegrid_runtime.settings import DEV_JWT_SECRET

    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed (apt-get install wrk)")
    tmp = Path(tempfile.mkdtemp(prefix="onegrid-bench-"))
    tmp.chmod(0o755)  # PostgreSQL runs as `postgres` under root and must reach its data directory
    town = tmp / "town"
    generate(town, seed=7)
    grids = [f"G{i:03d}" for i in range(1, 107)]
    print(f"machine: {os.cpu_count()} cores, {os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB; "
          f"python {sys.version.split()[0]}; load generators: wrk (C, closed loop) and bench/loadgen.py (open loop)")

    bench_grid_lookup(town)
    bench_routing()

    pg_dir, kafka_dir = tmp / "pg", tmp / "kafka"
    pg_port, kafka_port = free_port(), free_port()
    subprocess.run([str(ROOT / "infra/postgres/pg.sh"), "start", str(pg_dir), str(pg_port), *SERVICES], check=True,
                   env={**os.environ, "PG_DURABLE": "1"})
    subprocess.run([str(ROOT / "infra/kafka/kafka.sh"), "start", str(kafka_dir), str(kafka_port)], check=True)
    bootstrap = f"127.0.0.1:{kafka_port}"
    pg = f"postgresql+asyncpg://postgres@127.0.0.1:{pg_port}"
    smtp_port = free_port()
    smtp = mail_sink(smtp_port)
    stack = Stack(env={**stack_env(bootstrap=bootstrap, topic_prefix="bench", seed_dir=town,
                                   database_urls={s: f"{pg}/{s}" for s in SERVICES}), "ONEGRID_ENVIRONMENT": "local",
                       # The load is thousands of look-alike reports per grid: with duplicate detection on they
                       # would be linked to earlier cases instead of opening new ones. The bench measures new cases.
                       "INTAKE_DUPLICATES_ENABLED": "false", "NOTIFY_SMTP_PORT": str(smtp_port),
                       "NOTIFY_SMS_FILE": str(tmp / "sms.jsonl")},
                  log_dir=tmp / "logs", ports={s: free_port() for s in SERVICES})
    baseline = None
    observer_task = None
    try:
        await bench_kafka_rtt(bootstrap)
        await stamp_observed_topics(bootstrap, "bench")
        stack.start()
        stack.wait_ready()
        PROCESS_NAMES.update({proc.pid: name for name, proc in stack.processes.items()})
        PROCESS_NAMES.update({smtp.pid: "mail sink", os.getpid(): "bench observer"})
        token = issue_token(DEV_JWT_SECRET, role="system", subject="bench")
        # Every department's queue has an e-mail address, as in production: each dispatch sends a real e-mail.
        for code in sorted(load_catalog().departments):
            httpx.put(f"{stack.url('notify')}/v1/recipients/department:{code}", json={"email": f"{code.lower()}@town.example"},
                      headers={"Authorization": f"Bearer {token}"}, timeout=10).raise_for_status()
        intake_url, notify_url = f"{stack.url('intake')}/v1/reports", stack.url("notify")
        observer = Observer(bootstrap, "bench")
        observer_task = asyncio.create_task(observer.run())

        async def phase(rate: float, seconds: float) -> dict[str, float]:
            return await pipeline_phase(observer, intake_url, rate, seconds, token, grids, tmp, bootstrap, "bench", notify_url)

        async def growth_probes(label: str, note: str) -> None:
            """Intake's and dispatch's latency, after a short warm-up (so neither the empty nor the grown database
            is measured cold, or straight after the fill's writes)."""
            await settle()
            await phase(50, 3)
            # The median of three probes, each on a quiet machine: one probe of 300 POSTs moved by ±30 % between
            # runs (its reports' dispatches and notifications share the cores with the next POST).
            probes = []
            for _ in range(3):
                await settle()
                probes.append(await asyncio.to_thread(sequential_latency, intake_url, token, grids))
            record(f"intake_p50_ms_{label}", sorted(probes)[1], "ms",
                   f"sequential POST, keep-alive{note}; median of " + " / ".join(f"{p:.2f}" for p in probes))
            probe = await phase(50, 10)
            record(f"dispatch_p50_ms_{label}", probe["dispatch_p50_ms"], "ms", f"report→dispatched at 50/s{note}")

        # Growth, empty database.
        await growth_probes("empty", "")

        # Baseline and intake throughput, same server settings and load tool.
        port = free_port()
        baseline = subprocess.Popen([sys.executable, "-m", "uvicorn", "baseline_app:app", "--port", str(port),
                                     "--workers", "1", "--no-access-log", "--log-level", "warning"], cwd=ROOT / "bench")
        for _ in range(100):
            try:
                httpx.get(f"http://127.0.0.1:{port}/docs", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        seconds = 5 if quick else 10
        # Pipeline phases are longer: a backlog that grows slowly shows only over time (with 10-s phases a rate
        # the machine cannot sustain still passed, its lag not yet over 1 s when the phase ended).
        phase_seconds = 5 if quick else 30
        env = {"BENCH_TOKEN": token, "BENCH_GRIDS": ",".join(grids)}
        # Intake on its own, like the baseline: the consumers are stopped meanwhile (they would share the two
        # cores with it) and started again afterwards, when they take the burst from Kafka. Baseline and intake
        # take turns twice (B I B I), so a drift of the machine's speed within the run (seen: ~15 % within
        # minutes) weighs on both alike; each figure is the mean of its two runs.
        consumers = ["dispatch", "mediation", "notify"]
        stack.stop(only=consumers)
        runs: dict[str, list[tuple[float, float]]] = {"baseline": [], "intake": []}
        for _ in range(2):
            for name, url in (("baseline", f"http://127.0.0.1:{port}/v1/reports"), ("intake", intake_url)):
                await settle()  # the previous run's aftermath (relay, autovacuum) must not weigh on this one
                # In a thread: the observer's Kafka consumer keeps its group membership meanwhile.
                runs[name].append(await asyncio.to_thread(wrk, url, seconds, env))
        baseline.terminate()
        baseline.wait()
        baseline = None
        baseline_rps, intake_rps = (sum(rps for rps, _ in runs[name]) / len(runs[name]) for name in ("baseline", "intake"))
        each = {name: " / ".join(f"{rps:,.0f}" for rps, _ in done) for name, done in runs.items()}
        cpu = {name: max(cpu for _, cpu in done) for name, done in runs.items()}
        record("baseline_rps", baseline_rps, "req/s", f"bare FastAPI, 1 uvicorn worker, wrk -t2 -c64, mean of "
                                                      f"{each['baseline']} (wrk CPU ≤ {cpu['baseline']:.0%})")
        record("intake_rps", intake_rps, "req/s",
               f"POST /v1/reports accepted, closed loop, consumers stopped, mean of {each['intake']} "
               f"(wrk CPU ≤ {cpu['intake']:.0%})")
        record("intake_ratio", intake_rps / baseline_rps, "", "target ≥ 0.25")
        stack.start(only=consumers)
        stack.wait_ready()
        PROCESS_NAMES.update({proc.pid: name for name, proc in stack.processes.items()})
        drained = await wait_drained(bootstrap, "bench")
        emailed = await wait_emails_sent(notify_url, token)
        print(f"  the consumers took the intake bursts ({intake_rps * seconds * 2:,.0f} reports) from Kafka in {drained:.1f}s; "
              f"notify sent their e-mails {emailed:.1f}s later", flush=True)

        # Pipeline at fixed rates, then the highest rate the consumers keep up with (lag < 1 s).
        phases = {}
        for rate in (50, 200):
            phases[rate] = await phase(rate, phase_seconds)
        at200 = phases[200]
        record("dispatch_p50_ms", at200["dispatch_p50_ms"], "ms", "report→case.dispatched at 200/s")
        record("dispatch_p95_ms", at200["dispatch_p95_ms"], "ms")
        record("dispatch_p99_ms", at200["dispatch_p99_ms"], "ms", "target ≤ 60")
        record("notify_p50_ms", at200["notify_p50_ms"], "ms", "report→notification recorded at 200/s")
        record("notify_p99_ms", at200["notify_p99_ms"], "ms", "target ≤ 120")
        print("  CPU per report at 200/s (ms): " + ", ".join(f"{k} {v:.2f}" for k, v in at200["cpu_ms_per_report"].items()),
              flush=True)
        record("machine_busy_200", at200["machine_busy"], "", "share of both cores busy while sending at 200/s")
        # Measuring the drain takes ~1 s by itself (a lag query, an e-mail query): at 50/s nothing is left behind.
        drain_floor = phases[50]["drain_s"]

        # "Keeps up": every consumer's lag stays under one second, so both report→dispatched and
        # report→notification p99 < 1 s, and the dispatches kept pace with the offered rate.
        def keeps_up(result: dict, rate: float, *, notify: bool = True) -> bool:
            lags = [result["dispatch_p99_ms"]] + ([result["notify_p99_ms"]] if notify else [])
            # nan: none observed at all, which is not keeping up
            kept_pace = all(lag < 1000 for lag in lags) and result["e2e_rate"] >= 0.95 * rate
            # End to end also means nothing piles up: within 1 s of the phase's end every consumer has caught up
            # and notify has sent the phase's e-mails (a queue that grows all phase long is not a sustained rate).
            return kept_pace and (not notify or result["drain_s"] <= drain_floor + 1.0)

        sustained = max((p["e2e_rate"] for r, p in phases.items() if keeps_up(p, r)), default=0.0)
        dispatch_only = max((p["e2e_rate"] for r, p in phases.items() if keeps_up(p, r, notify=False)), default=0.0)
        for rate in (300, 400, 500, 600, 800, 1000, 1200, 1500, 2000):
            result = phases[rate] = await phase(rate, phase_seconds)
            print(f"  {rate}/s: e2e {result['e2e_rate']:.0f}/s, dispatch p99 {result['dispatch_p99_ms']:.0f} ms, "
                  f"notify p99 {result['notify_p99_ms']:.0f} ms, left behind: lag {result['lag_drain_s']:.1f} s + "
                  f"e-mails {result['email_drain_s']:.1f} s (floor {drain_floor:.1f}), generator CPU "
                  f"{result['generator_cpu']:.0%}, machine busy {result['machine_busy']:.0%}", flush=True)
            if keeps_up(result, rate):
                sustained = max(sustained, result["e2e_rate"])
            if keeps_up(result, rate, notify=False):
                dispatch_only = max(dispatch_only, result["e2e_rate"])
            else:
                break
        record("pipeline_rps", sustained, "rep/s", f"highest rate with report→dispatched and →notification p99 < 1 s "
                                                   f"over {phase_seconds} s and nothing left behind 1 s after; target ≥ 1000")
        record("pipeline_dispatch_rps", dispatch_only, "rep/s", "the same, counting report→dispatched only")

        # Growth: the same probes with 1,000,000 stored cases.
        rows = 100_000 if quick else 1_000_000
        filled = await fill_history(pg, rows)
        print(f"  stored {rows:,} historic cases in intake and dispatch in {filled:.0f}s", flush=True)
        await growth_probes("1m", f" with {rows:,} stored cases")
        record("intake_growth_ratio", RESULTS["intake_p50_ms_1m"] / RESULTS["intake_p50_ms_empty"], "", "target ≤ 1.2")
        record("dispatch_growth_ratio", RESULTS["dispatch_p50_ms_1m"] / RESULTS["dispatch_p50_ms_empty"], "", "target ≤ 1.2")

        NOTES["observer"] = ("latencies end at the broker's append timestamp of each record (LogAppendTime); "
                             f"{observer.fetched_late} records lacked it and were timed at their fetch")
        out = ROOT / "bench/results/latest.json"
        out.write_text(json.dumps({"results": RESULTS, "notes": NOTES, "phases": {str(k): v for k, v in phases.items()},
                                   "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "quick": quick},
                                  indent=2) + "\n")
        print(f"wrote {out.relative_to(ROOT)}")
    finally:
        if observer_task:
            observer_task.cancel()
        if baseline is not None:
            baseline.terminate()
        stack.stop()
        smtp.terminate()
        subprocess.run([str(ROOT / "infra/kafka/kafka.sh"), "stop", str(kafka_dir)], check=False)
        subprocess.run([str(ROOT / "infra/postgres/pg.sh"), "stop", str(pg_dir)], check=False)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="shorter phases and 100,000 stored cases")
    asyncio.run(main(parser.parse_args().quick))
