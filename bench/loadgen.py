"""Open-loop load generator: POST /v1/reports at a fixed rate over keep-alive connections.

Each request is scheduled at start + i/rate; its latency counts from the scheduled time, so a
slow server cannot hide its queueing (no coordinated omission). Written on raw asyncio streams to
keep the generator's own cost low. Output: one JSON line per request (case_id, sent, done, status).

    python bench/loadgen.py URL RATE SECONDS TOKEN OUT [--grids G001,G002] [--offset N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
from urllib.parse import urlparse

CATEGORIES = ["C01", "C02", "C03", "C05", "C08", "C09", "C10", "C13", "C14", "C18", "C19", "C26", "C27", "C31", "C47"]
TEXTS = ["村口垃圾堆了三天没人清运", "Streetlights out on the main road", "路口井盖缺失很危险",
         "Brown tap water since yesterday", "工厂夜里机器声音太大", "E-bike charging in the stairwell"]


async def run(url: str, rate: float, seconds: float, token: str, out: str, grids: list[str], connections: int) -> None:
    target = urlparse(url)
    rng = random.Random(hash((rate, out)))
    queue: asyncio.Queue = asyncio.Queue()
    results: list[tuple] = []

    async def connection() -> None:
        reader, writer = await asyncio.open_connection(target.hostname, target.port)
        while (item := await queue.get()) is not None:
            scheduled, body = item
            writer.write(
                (f"POST {target.path} HTTP/1.1\r\nHost: {target.netloc}\r\nAuthorization: Bearer {token}\r\n"
                 f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body)
            await writer.drain()
            status = int((await reader.readline()).split()[1])
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            payload = await reader.readexactly(length)
            results.append((scheduled, time.time(), status, payload))
        writer.close()

    workers = [asyncio.create_task(connection()) for _ in range(connections)]
    start = time.time() + 0.2
    for i in range(int(rate * seconds)):
        scheduled = start + i / rate
        delay = scheduled - time.time()
        if delay > 0:
            await asyncio.sleep(delay)
        body = json.dumps({"channel": "external", "category": rng.choice(CATEGORIES), "grid": rng.choice(grids),
                           "description": f"{rng.choice(TEXTS)} #{i}"}).encode()
        queue.put_nowait((scheduled, body))
    for _ in workers:
        queue.put_nowait(None)
    await asyncio.gather(*workers)
    with open(out, "w") as f:
        for scheduled, done, status, payload in results:
            case_id = json.loads(payload).get("case_id") if status == 202 else None
            f.write(json.dumps({"case_id": case_id, "sent": scheduled, "done": done, "status": status}) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("rate", type=float)
    parser.add_argument("seconds", type=float)
    parser.add_argument("token")
    parser.add_argument("out")
    parser.add_argument("--grids", default="G001")
    parser.add_argument("--connections", type=int, default=64)
    args = parser.parse_args()
    asyncio.run(run(args.url, args.rate, args.seconds, args.token, args.out, args.grids.split(","), args.connections))


if __name__ == "__main__":
    main()
