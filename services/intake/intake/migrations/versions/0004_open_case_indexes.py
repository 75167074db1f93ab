"""open-case indexes: duplicate detection reads the open cases of a grid (by time) or near a point

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

# Only open cases (not linked reports, not closed cases): the indexes stay as small as the open workload,
# however long the history grows. Must match OPEN_CASE in intake/models.py.
OPEN_CASE = ("primary_case_id IS NULL AND case_number IS NOT NULL AND status IN ('received', 'dispatched', 'triage', "
             "'in_progress', 'resolved', 'reopened', 'in_mediation', 'mediation_concluded')")


def upgrade() -> None:
    for name, columns in (("ix_report_open_by_grid", ["grid", "reported_at"]), ("ix_report_open_by_place", ["lat", "lon"])):
        op.create_index(name, "report", columns, postgresql_where=sa.text(OPEN_CASE), sqlite_where=sa.text(OPEN_CASE))


def downgrade() -> None:
    op.drop_index("ix_report_open_by_place", table_name="report")
    op.drop_index("ix_report_open_by_grid", table_name="report")
