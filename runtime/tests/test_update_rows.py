"""``update_rows``: many rows updated by key in one statement, alike on PostgreSQL (arrays through the driver,
``UPDATE ... FROM unnest``) and SQLite (executemany)."""

import uuid
from datetime import datetime, timedelta, timezone

import pytest
from onegrid_runtime.db import UtcDateTime, insert_rows_async, update_rows, update_rows_async
from sqlalchemy import JSON, Column, MetaData, String, Table, Uuid, select

METADATA = MetaData()
CASE = Table(
    "update_probe", METADATA,
    Column("id", Uuid, primary_key=True),
    Column("status", String(20), nullable=False),
    Column("tags", JSON, nullable=False),
    Column("at", UtcDateTime, nullable=True),
    Column("note", String(40), nullable=True),
)
MOMENT = datetime(2026, 12, 5, 9, 0, tzinfo=timezone(timedelta(hours=8)))


@pytest.fixture
async def db(probe_database):
    return await probe_database(METADATA)


async def stored(db) -> dict:
    async with db.transaction() as session:
        rows = (await (await session.connection()).execute(select(CASE))).mappings().all()
    return {r["id"]: dict(r) for r in rows}


async def seed(db, n: int) -> list[uuid.UUID]:
    ids = [uuid.uuid4() for _ in range(n)]
    async with db.transaction() as session:
        await insert_rows_async(await session.connection(), CASE, [
            {"id": i, "status": "open", "tags": [], "at": None, "note": f"case {k}"} for k, i in enumerate(ids)])
    return ids


async def test_each_row_sets_its_own_values_and_other_rows_and_columns_stay(db):
    ids = await seed(db, 60)
    changes = [{"id": i, "status": f"s{k}", "tags": ["urgent"] if k % 2 else [], "at": MOMENT + timedelta(minutes=k)}
               for k, i in enumerate(ids[:50])]
    changes[3]["at"] = None  # a NULL among the values
    async with db.transaction() as session:
        await update_rows_async(await session.connection(), CASE, changes, key="id")
    after = await stored(db)
    for k, change in enumerate(changes):
        row = after[change["id"]]
        assert (row["status"], row["tags"], row["at"]) == (change["status"], change["tags"], change["at"])
        assert row["note"] == f"case {k}"  # a column not given is left as it was
    assert all(after[i]["status"] == "open" and after[i]["at"] is None for i in ids[50:])  # rows not given stay
    assert after[ids[0]]["at"].utcoffset() == timedelta(0)  # the type decorator ran: stored in UTC


async def test_the_sync_form_updates_within_the_callers_transaction_and_rolls_back_with_it(db):
    ids = await seed(db, 3)
    with pytest.raises(RuntimeError):
        async with db.transaction() as session:
            conn = await session.connection()
            await conn.run_sync(update_rows, CASE, [{"id": i, "status": "closed"} for i in ids], key="id")
            inside = (await conn.execute(select(CASE.c.status).where(CASE.c.id == ids[0]))).scalar_one()
            assert inside == "closed"  # seen by the transaction's own reads
            raise RuntimeError("the handler fails after the update")
    assert {r["status"] for r in (await stored(db)).values()} == {"open"}


async def test_an_update_that_opens_its_transaction_rolls_back_with_it(db):
    ids = await seed(db, 2)
    with pytest.raises(RuntimeError):
        async with db.transaction() as session:
            await update_rows_async(await session.connection(), CASE, [{"id": ids[0], "status": "closed"}], key="id")
            raise RuntimeError("the handler fails")
    assert (await stored(db))[ids[0]]["status"] == "open"


async def test_refuses_rows_it_cannot_update_alike_on_both_databases(db):
    ids = await seed(db, 1)
    async with db.transaction() as session:
        conn = await session.connection()
        with pytest.raises(ValueError, match="same 'id'"):
            await update_rows_async(conn, CASE, [{"id": ids[0], "status": "a"}, {"id": ids[0], "status": "b"}], key="id")
        with pytest.raises(ValueError, match="needs 'id'"):
            await update_rows_async(conn, CASE, [{"status": "a"}], key="id")
        await update_rows_async(conn, CASE, [], key="id")  # nothing to do
    assert (await stored(db))[ids[0]]["status"] == "open"
