"""``insert_rows``: one statement for many rows, alike on PostgreSQL (arrays through the driver) and SQLite."""

import uuid
from datetime import datetime, timedelta, timezone

import pytest
from onegrid_runtime.db import UtcDateTime, insert_rows, insert_rows_async
from sqlalchemy import JSON, BigInteger, Column, Float, Integer, MetaData, String, Table, Uuid, select, text

METADATA = MetaData()
ROW = Table(
    "insert_probe", METADATA,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("id", Uuid, nullable=False, unique=True),
    Column("name", String(40), nullable=False),
    Column("flags", JSON, nullable=False),
    Column("lat", Float, nullable=True),
    Column("at", UtcDateTime, nullable=False),
    Column("note", String(10), nullable=True, default="python-side"),
)


@pytest.fixture
async def db(probe_database):
    return await probe_database(METADATA)


def rows(n: int, *, start: int = 0) -> list[dict]:
    moment = datetime(2026, 12, 5, 8, 0, tzinfo=timezone(timedelta(hours=8)))
    return [{"id": uuid.uuid4(), "name": f"row {start + i}", "flags": ["elderly"] if i % 2 else [],
             "lat": None if i % 3 else 31.5 + i, "at": moment + timedelta(seconds=i), "note": None} for i in range(n)]


async def test_rows_are_stored_as_sqlalchemy_would_store_them_and_serials_come_back_in_row_order(db):
    given = rows(300)
    async with db.transaction() as session:
        seqs = await insert_rows_async(await session.connection(), ROW, given, returning="seq")
    assert seqs == sorted(seqs) and len(set(seqs)) == 300
    async with db.transaction() as session:
        result = (await (await session.connection()).execute(select(ROW).order_by(ROW.c.seq))).mappings().all()
    assert [r["seq"] for r in result] == seqs
    assert [r["id"] for r in result] == [g["id"] for g in given]  # inserted in the given order
    assert [r["flags"] for r in result] == [g["flags"] for g in given]  # JSON round trip
    assert [r["lat"] for r in result] == [g["lat"] for g in given]
    # The type decorator ran: stored in UTC, read back aware and equal.
    assert [r["at"] for r in result] == [g["at"] for g in given]
    assert all(r["at"].utcoffset() == timedelta(0) for r in result)


async def test_conflicting_rows_are_skipped_and_only_the_inserted_ones_returned(db):
    first = rows(3)
    async with db.transaction() as session:
        await insert_rows_async(await session.connection(), ROW, first)
    again = [first[1], *rows(2, start=3)]
    async with db.transaction() as session:
        inserted = await insert_rows_async(await session.connection(), ROW, again, returning="id", skip_conflicts_on="id")
    assert set(inserted) == {again[1]["id"], again[2]["id"]}
    async with db.transaction() as session:
        count = (await (await session.connection()).execute(text("SELECT count(*) FROM insert_probe"))).scalar_one()
    assert count == 5


async def test_a_bad_row_fails_the_whole_statement_and_nothing_is_written(db):
    given = rows(3)
    given[2]["at"] = datetime(2026, 12, 5, 8, 0)  # naive: UtcDateTime refuses it
    with pytest.raises(Exception, match="naive datetime"):
        async with db.transaction() as session:
            await insert_rows_async(await session.connection(), ROW, given)
    async with db.transaction() as session:
        count = (await (await session.connection()).execute(text("SELECT count(*) FROM insert_probe"))).scalar_one()
    assert count == 0


class Undo(Exception):
    pass


@pytest.mark.parametrize("form", ["async", "sync"])
async def test_an_insert_that_opens_the_transaction_is_part_of_it(db, form):
    """On PostgreSQL the insert goes to the driver, and SQLAlchemy begins its transaction only with its own
    first statement: an insert that comes first must still begin it, and roll back with it."""
    with pytest.raises(Undo):
        async with db.transaction() as session:
            connection = await session.connection()
            if form == "async":
                await insert_rows_async(connection, ROW, rows(2))
            else:
                await connection.run_sync(insert_rows, ROW, rows(2))
            seen = (await connection.execute(text("SELECT count(*) FROM insert_probe"))).scalar_one()
            assert seen == 2  # the same transaction sees its own rows
            raise Undo
    async with db.transaction() as session:
        count = (await (await session.connection()).execute(text("SELECT count(*) FROM insert_probe"))).scalar_one()
    assert count == 0


async def test_a_duplicate_raises_sqlalchemys_integrity_error_and_nothing_of_its_transaction_stays(db):
    from sqlalchemy.exc import IntegrityError

    first = rows(1)
    async with db.transaction() as session:
        await insert_rows_async(await session.connection(), ROW, first)
    with pytest.raises(IntegrityError):  # what callers catch (intake's idempotency race), on both databases
        async with db.transaction() as session:
            connection = await session.connection()
            await insert_rows_async(connection, ROW, rows(1, start=1))
            await insert_rows_async(connection, ROW, first)
    async with db.transaction() as session:
        names = (await (await session.connection()).execute(select(ROW.c.name))).scalars().all()
    assert names == ["row 0"]


async def test_mistakes_are_refused_before_anything_is_sent(db):
    async with db.transaction() as session:
        connection = await session.connection()
        without_default = [{k: v for k, v in row.items() if k != "note"} for row in rows(1)]
        with pytest.raises(ValueError, match="note"):  # on both databases alike
            await insert_rows_async(connection, ROW, without_default)
        with pytest.raises(ValueError, match="serial column"):
            await insert_rows_async(connection, ROW, rows(1), returning="name")
        assert await insert_rows_async(connection, ROW, [], returning="seq") == []


def test_the_sync_form_serves_flush_hooks(tmp_path):
    """``insert_rows`` itself takes a sync connection (the outbox writes its rows in a before-commit hook)."""
    from sqlalchemy import create_engine

    engine = create_engine(f"sqlite:///{tmp_path}/sync.db")
    METADATA.create_all(engine)
    with engine.begin() as connection:
        assert insert_rows(connection, ROW, rows(4), returning="seq") == [1, 2, 3, 4]
