"""A property-based run of intake's OpenAPI (schemathesis, bounded in examples and time) against a
running intake: no 5xx answer, and no invalid input accepted."""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path

from onegrid_devstack.flows import token


async def test_schemathesis_finds_no_server_error_and_no_accepted_invalid_input(served, tmp_path):
    schemathesis = Path(sys.executable).with_name("schemathesis")
    process = await asyncio.create_subprocess_exec(
        str(schemathesis), "run", str(served.base_url).rstrip("/") + "/openapi.json",
        "--checks", "not_a_server_error,negative_data_rejection",
        "--max-examples", "30", "--seed", "7", "--request-timeout", "10", "--no-shrink",
        "-H", f"Authorization: {token('admin')['Authorization']}",
        "--exclude-path-regex", "^/(metrics|healthz|readyz)$",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, cwd=tmp_path,
    )
    try:
        output, _ = await asyncio.wait_for(process.communicate(), timeout=300)
    except TimeoutError:
        process.kill()
        raise
    text = output.decode(errors="replace")
    assert process.returncode == 0, text[-6000:]
    counts = re.search(r"(\d+) generated, (\d+) passed", text)
    assert counts and counts.group(1) == counts.group(2) and int(counts.group(1)) >= 500, text[-3000:]
    tested = re.search(r"Tested: (\d+)", text)
    assert tested and int(tested.group(1)) >= 18, text[-3000:]  # every operation but health and metrics
