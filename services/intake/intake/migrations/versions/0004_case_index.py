"""case index for duplicate detection: the recent cases of a grid

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05 03:00:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0004'
down_revision: Union[str, None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# Cases only (not linked reports). The predicate names columns that change only when a report is linked or
# unlinked, never its status: a status change stays a HOT update. Must match IS_CASE in intake/models.py.
IS_CASE = "primary_case_id IS NULL AND case_number IS NOT NULL"


def upgrade() -> None:
    op.create_index("ix_report_case_by_grid", "report", ["grid", "reported_at"], postgresql_where=sa.text(IS_CASE),
                    sqlite_where=sa.text(IS_CASE))


def downgrade() -> None:
    op.drop_index("ix_report_case_by_grid", table_name="report")
