"""Partial index of open cases in deadline order (console start-up snapshot).

Revision ID: 0002
Revises: 0001
"""

from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

OPEN = (
    "state IN ('reported', 'verifying', 'self_disposed', 'filed', 'dispatched', "
    "'in_progress', 'suspended', 'disposed', 'checking')"
)


def upgrade() -> None:
    op.create_index(
        "ix_case_open_due",
        "case_file",
        ["due_key", "id"],
        sqlite_where=sa.text(OPEN),
        postgresql_where=sa.text(OPEN),
    )


def downgrade() -> None:
    op.drop_index("ix_case_open_due", table_name="case_file")
