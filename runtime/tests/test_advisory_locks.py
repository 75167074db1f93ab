"""``advisory_xact_locks``: a transaction holding some names makes another that wants any of them wait until it
ends; disjoint names do not wait; SQLite (one process) locks nothing."""

import asyncio

from onegrid_runtime.db import advisory_xact_locks
from sqlalchemy import MetaData

EMPTY = MetaData()


async def test_overlapping_names_wait_for_the_holder_and_disjoint_ones_do_not(probe_database):
    db = await probe_database(EMPTY)
    sqlite = db.is_sqlite
    order: list[str] = []
    held = asyncio.Event()
    release = asyncio.Event()

    async def holder() -> None:
        async with db.transaction() as session:
            await advisory_xact_locks(await session.connection(), ["grid:G01", "grid:G02"])
            held.set()
            await release.wait()
            order.append("holder commits")

    async def other(names: list[str], label: str) -> None:
        await held.wait()
        async with db.transaction() as session:
            await advisory_xact_locks(await session.connection(), names)
            order.append(label)

    task = asyncio.create_task(holder())
    await held.wait()
    await asyncio.wait_for(other(["grid:G03"], "disjoint locked"), 5)  # G03 is free: no wait
    overlapping = asyncio.create_task(other(["grid:G03", "grid:G02", "grid:G09"], "overlapping locked"))
    await asyncio.sleep(0.3)
    if sqlite:
        assert overlapping.done()  # one process, nothing to lock
    else:
        assert not overlapping.done()  # G02 is held
    release.set()
    await asyncio.wait_for(asyncio.gather(task, overlapping), 5)
    if not sqlite:
        assert order == ["disjoint locked", "holder commits", "overlapping locked"]
