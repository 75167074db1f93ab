"""``insert_at_commit`` and ``insert_tables``: a transaction's new rows for several tables and its outbox rows
in one statement as it commits (PostgreSQL), or one insert after the other (SQLite)."""

import uuid

import pytest
from onegrid_contracts.events import CaseAccepted
from onegrid_runtime.db import insert_tables
from onegrid_runtime.outbox import OutboxMessage, emit, insert_at_commit
from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table, Uuid, func, select
from sqlalchemy.exc import IntegrityError

METADATA = MetaData()
PARENT = Table("commit_parent", METADATA, Column("id", Uuid, primary_key=True), Column("name", String(40), nullable=False))
CHILD = Table("commit_child", METADATA,
              Column("seq", Integer, primary_key=True, autoincrement=True),
              Column("parent_id", Uuid, ForeignKey("commit_parent.id"), nullable=False),
              Column("note", String(40), nullable=False))
OutboxMessage.__table__.to_metadata(METADATA)  # type: ignore[attr-defined]


@pytest.fixture
async def db(probe_database):
    return await probe_database(METADATA)


async def counts(db) -> tuple[int, int, int]:
    async with db.transaction() as session:
        conn = await session.connection()
        return tuple([(await conn.execute(select(func.count()).select_from(t))).scalar_one()  # type: ignore[return-value]
                      for t in (PARENT, CHILD, METADATA.tables["outbox"])])


def family(n: int) -> tuple[list[dict], list[dict]]:
    parents = [{"id": uuid.uuid4(), "name": f"case {i}"} for i in range(n)]
    return parents, [{"parent_id": p["id"], "note": f"action {k}"} for p in parents for k in range(2)]


async def test_rows_and_events_are_written_together_as_the_transaction_commits(db):
    parents, children = family(3)
    logged: list[str] = []
    raw = None

    def log(query) -> None:
        logged.append(query.query)

    async with db.transaction() as session:
        conn = await session.connection()
        if db.engine.dialect.name == "postgresql":
            raw = (await conn.get_raw_connection()).dbapi_connection._connection
            raw.add_query_logger(log)
        insert_at_commit(session, PARENT, parents)
        insert_at_commit(session, CHILD, children)  # refers to rows written in the same statement
        emit(session, CaseAccepted(case_id=parents[0]["id"], jurisdiction="YYB", department="D07"))
        assert (await conn.execute(select(func.count()).select_from(PARENT))).scalar_one() == 0  # not yet
    assert await counts(db) == (3, 6, 1)
    if raw is not None:
        raw.remove_query_logger(log)
        inserts = [q for q in logged if "INSERT" in q]
        assert len(inserts) == 1 and inserts[0].startswith("WITH ")  # one round trip for the three tables
    async with db.transaction() as session:
        stored = (await (await session.connection()).execute(select(CHILD).order_by(CHILD.c.seq))).mappings().all()
    assert [(r["parent_id"], r["note"]) for r in stored] == [(c["parent_id"], c["note"]) for c in children]


async def test_an_error_at_commit_rolls_back_everything_and_a_failed_handler_writes_nothing(db):
    parents, children = family(2)
    async with db.transaction() as session:
        insert_at_commit(session, PARENT, parents[:1])
    with pytest.raises(IntegrityError):
        async with db.transaction() as session:
            insert_at_commit(session, PARENT, parents)  # the first one again: a duplicate key
            insert_at_commit(session, CHILD, children)
            emit(session, CaseAccepted(case_id=parents[1]["id"], jurisdiction="YYB", department="D07"))
    assert await counts(db) == (1, 0, 0)
    with pytest.raises(RuntimeError):
        async with db.transaction() as session:
            insert_at_commit(session, PARENT, parents[1:])
            raise RuntimeError("the handler fails")
    async with db.transaction() as session:
        pass  # a later transaction of the same pool writes nothing left over
    assert await counts(db) == (1, 0, 0)


async def test_insert_tables_returns_the_last_inserts_serials_in_row_order(db):
    parents, children = family(4)
    async with db.transaction() as session:
        conn = await session.connection()
        seqs = await conn.run_sync(insert_tables, [(PARENT, parents), (CHILD, []), (CHILD, children)], returning="seq")
    assert len(seqs) == 8 and seqs == sorted(seqs)
    async with db.transaction() as session:
        stored = (await (await session.connection()).execute(select(CHILD.c.seq, CHILD.c.note).order_by(CHILD.c.seq))).all()
    assert [s for s, _ in stored] == seqs and [n for _, n in stored] == [c["note"] for c in children]
