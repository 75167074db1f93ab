"""case_contact.reported (an unknown reporter after case.reported means none); the claim's index holds pending
deliveries only; events deferred only for the reporter of a case already reported are dropped

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05 01:25:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0003'
down_revision: Union[str, None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table('case_contact', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reported', sa.Boolean(), server_default=sa.false(), nullable=False))
    # Cases whose case.reported was seen: it left a notification or waits itself.
    op.execute("UPDATE case_contact SET reported = true WHERE case_id IN ("
               "SELECT case_id FROM notification WHERE event_type = 'onegrid.case.reported' "
               "UNION SELECT case_id FROM deferred_event WHERE event_type = 'onegrid.case.reported')")
    # Events that only wait for the reporter of a reported case without one would wait forever.
    op.execute("DELETE FROM deferred_event WHERE CAST(missing AS TEXT) = '[\"reporter_id\"]' "
               "AND case_id IN (SELECT case_id FROM case_contact WHERE reported AND reporter_id IS NULL)")
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.drop_index('ix_delivery_due')
        batch_op.create_index('ix_delivery_pending', ['endpoint', 'next_attempt_at'], unique=False,
                              postgresql_where=sa.text("status = 'pending'"), sqlite_where=sa.text("status = 'pending'"))


def downgrade() -> None:
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.drop_index('ix_delivery_pending')
        batch_op.create_index('ix_delivery_due', ['status', 'next_attempt_at'], unique=False)
    with op.batch_alter_table('case_contact', schema=None) as batch_op:
        batch_op.drop_column('reported')
