"""``among``: ``IN`` a run-time list, one array parameter on PostgreSQL, alike on both databases."""

import uuid

import pytest
from onegrid_runtime.db import among
from sqlalchemy import BigInteger, Column, Integer, MetaData, String, Table, Uuid, delete, select

METADATA = MetaData()
ROW = Table(
    "among_probe", METADATA,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("id", Uuid, nullable=False, unique=True),
    Column("address", String(100), nullable=False),
)


@pytest.fixture
async def db(probe_database):
    database = await probe_database(METADATA)
    async with database.engine.begin() as conn:
        await conn.execute(ROW.insert(), [{"id": uuid.uuid4(), "address": f"department:D{i:02d}"} for i in range(1, 8)])
    return database


async def test_rows_among_uuids_strings_and_integers_are_found_and_nothing_else(db):
    async with db.transaction() as session:
        conn = await session.connection()
        everything = (await conn.execute(select(ROW).order_by(ROW.c.seq))).all()
        wanted = [everything[1], everything[4], everything[6]]
        stranger = uuid.uuid4()  # not stored: simply not found
        by_id = (await conn.execute(select(ROW.c.seq).where(among(conn, ROW.c.id, [r.id for r in wanted] + [stranger]))
                                    .order_by(ROW.c.seq))).scalars().all()
        by_address = (await conn.execute(select(ROW.c.seq).where(among(conn, ROW.c.address, {r.address for r in wanted}))
                                         .order_by(ROW.c.seq))).scalars().all()
        by_seq = (await conn.execute(select(ROW.c.address).where(among(conn, ROW.c.seq, (r.seq for r in wanted)))
                                     .order_by(ROW.c.seq).with_for_update())).scalars().all()
    assert by_id == by_address == [r.seq for r in wanted]
    assert by_seq == [r.address for r in wanted]


async def test_an_empty_list_matches_nothing_and_it_serves_deletes(db):
    async with db.transaction() as session:
        conn = await session.connection()
        assert (await conn.execute(select(ROW.c.seq).where(among(conn, ROW.c.id, [])))).all() == []
        await conn.execute(delete(ROW).where(among(conn, ROW.c.seq, [1, 2, 3])))
    async with db.transaction() as session:
        conn = await session.connection()
        left = (await conn.execute(select(ROW.c.seq).order_by(ROW.c.seq))).scalars().all()
    assert left == [4, 5, 6, 7]


async def test_lists_of_any_length_share_one_statement_on_postgresql(db):
    """The point of the array: PostgreSQL parses and plans one statement whatever the list's length."""
    async with db.transaction() as session:
        conn = await session.connection()
        one = select(ROW.c.seq).where(among(conn, ROW.c.seq, [1]))
        three = select(ROW.c.seq).where(among(conn, ROW.c.seq, [1, 2, 3]))
        sql = [str(q.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})) for q in (one, three)]
    if db.is_sqlite:
        assert sql[0] != sql[1]  # IN (?) and IN (?, ?, ?)
    else:
        assert sql[0] == sql[1] and "ANY" in sql[0]
