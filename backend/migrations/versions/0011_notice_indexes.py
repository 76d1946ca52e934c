"""Indexes for the monthly notice: cases by the time they were reported, and by rework.

Revision ID: 0011
Revises: 0010
"""

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_case_created", "case_file", ["created_at"])
    op.create_index("ix_case_rework", "case_file", ["rework_count"])


def downgrade() -> None:
    op.drop_index("ix_case_rework", table_name="case_file")
    op.drop_index("ix_case_created", table_name="case_file")
