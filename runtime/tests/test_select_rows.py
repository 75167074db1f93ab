"""``select_rows``: a select built once, run with named parameters; on PostgreSQL on the driver, with the
values SQLAlchemy itself would give, alike on both databases."""

import uuid
from datetime import datetime, timedelta, timezone

import pytest
from onegrid_runtime.db import UtcDateTime, among_parameter, select_rows
from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    TypeDecorator,
    Uuid,
    bindparam,
    column,
    select,
    text,
)


class Code(TypeDecorator[str]):
    """Stored lower case, read upper case: shows that the type's own conversions run both ways."""

    impl = String(20)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else value.lower()

    def process_result_value(self, value, dialect):
        return None if value is None else value.upper()


METADATA = MetaData()
ROW = Table(
    "select_probe", METADATA,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("id", Uuid, nullable=False, unique=True),
    Column("address", String(100), nullable=False),
    Column("data", JSON, nullable=True),
    Column("at", UtcDateTime, nullable=False),
    Column("code", Code, nullable=True),
)
START = datetime(2026, 12, 5, 8, 30, tzinfo=timezone(timedelta(hours=8)))


BY_IDS = select(ROW).where(among_parameter(ROW.c.id, "ids")).order_by(ROW.c.seq).with_for_update()
# A value built into the statement ("department:%") besides the list parameter.
ADDRESSES_OF = (select(ROW.c.address, ROW.c.seq, ROW.c.code)
                .where(among_parameter(ROW.c.seq, "seqs"), ROW.c.address.like("department:%"), ROW.c.code != "X-NONE")
                .order_by(ROW.c.seq))


@pytest.fixture
async def db(probe_database):
    database = await probe_database(METADATA)
    async with database.engine.begin() as conn:
        await conn.execute(ROW.insert(), [
            {"id": uuid.uuid4(), "address": f"department:D{i:02d}" if i % 2 else f"resident:R{i}",
             "data": {"n": i, "words": ["办理", "done"]} if i != 3 else None, "at": START + timedelta(minutes=i),
             "code": "x-none" if i == 5 else f"Dept-{i}"}
            for i in range(1, 8)])
    return database


async def test_rows_are_the_ones_sqlalchemy_gives_with_their_types(db):
    async with db.transaction() as session:
        conn = await session.connection()
        everything = (await conn.execute(select(ROW).order_by(ROW.c.seq))).all()
        wanted = [everything[1], everything[2], everything[6]]
        rows = await select_rows(conn, BY_IDS, ids=[r.id for r in wanted] + [uuid.uuid4()])
    assert [r._asdict() for r in rows] == [r._asdict() for r in wanted]
    assert rows[1].data is None and rows[0].data == {"n": 2, "words": ["办理", "done"]}
    assert rows[0].at == START + timedelta(minutes=2) and rows[0].at.tzinfo is not None  # aware, as UtcDateTime reads
    seq, row_id, *_ = rows[2]  # unpacks like SQLAlchemy's rows
    assert (seq, row_id) == (wanted[2].seq, wanted[2].id)


async def test_values_built_into_the_statement_and_empty_lists(db):
    async with db.transaction() as session:
        conn = await session.connection()
        statement = ADDRESSES_OF
        found = await select_rows(conn, statement, seqs=[1, 2, 3, 4, 5])
        nothing = await select_rows(conn, statement, seqs=[])
        again = await select_rows(conn, statement, seqs=[7])  # the same statement, another list length
    # Row 5's code is stored as "x-none": the built-in "X-NONE" is converted as it is bound, and leaves it out.
    assert [tuple(r) for r in found] == [("department:D01", 1, "DEPT-1"), ("department:D03", 3, "DEPT-3")]
    assert nothing == []
    assert [r.seq for r in again] == [7]


async def test_a_textual_select_with_its_columns(db):
    count = text("SELECT COUNT(*) AS n FROM select_probe WHERE seq > :above").columns(column("n", Integer))
    async with db.transaction() as session:
        conn = await session.connection()
        assert [r.n for r in await select_rows(conn, count, above=5)] == [2]
        assert [r.n for r in await select_rows(conn, count, above=0)] == [7]


async def test_an_expanding_parameter_is_refused_on_postgresql_and_run_by_sqlalchemy_elsewhere(db):
    """On PostgreSQL a statement compiled once cannot expand a list: among_parameter is the way there."""
    statement = select(ROW.c.seq).where(ROW.c.seq.in_(bindparam("seqs", expanding=True))).order_by(ROW.c.seq)
    async with db.transaction() as session:
        conn = await session.connection()
        if db.is_sqlite:
            assert [r.seq for r in await select_rows(conn, statement, seqs=[2, 4])] == [2, 4]
        else:
            with pytest.raises(ValueError, match="among_parameter"):
                await select_rows(conn, statement, seqs=[2, 4])
