"""notification_tally: the counts per channel and status kept as change rows (GET /v1/notifications/counts no
longer scans the notification log); seeded with the counts of the notifications already recorded

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05 14:30:00
"""
import uuid
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0004'
down_revision: Union[str, None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    tally = op.create_table('notification_tally',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('delta', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    counted = op.get_bind().execute(sa.text(
        "SELECT channel, status, count(*) FROM notification GROUP BY channel, status")).all()
    if counted:
        op.bulk_insert(tally, [{"id": uuid.uuid4(), "channel": channel, "status": status, "delta": n}
                               for channel, status, n in counted])


def downgrade() -> None:
    op.drop_table('notification_tally')
