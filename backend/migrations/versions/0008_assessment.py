"""The assessment projection: case facts, day counters and the fold cursor.

Revision ID: 0008
Revises: 0007
"""

from alembic import op
import sqlalchemy as sa

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def counter(name: str) -> sa.Column:
    return sa.Column(name, sa.Integer(), server_default="0", nullable=False)


def upgrade() -> None:
    big = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "assessment_fact",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("last_seq", big, nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case_file.id"]),
        sa.PrimaryKeyConstraint("case_id"),
    )
    op.create_table(
        "assessment_cursor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", big, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "assessment_day",
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("object_type", sa.String(length=16), nullable=False),
        sa.Column("object_id", sa.String(length=15), nullable=False),
        counter("patrol_reports"),
        counter("public_reports"),
        counter("valid_patrol_reports"),
        counter("verify_due"),
        counter("verify_on_time"),
        counter("check_due"),
        counter("check_on_time"),
        counter("verify_orders_due"),
        counter("verify_orders_on_time"),
        counter("check_orders_due"),
        counter("check_orders_on_time"),
        counter("accepted"),
        counter("filed"),
        counter("filed_on_time"),
        counter("voided"),
        counter("dispatch_due"),
        counter("dispatched"),
        counter("dispatched_on_time"),
        counter("dispatched_accurately"),
        counter("wrong_dispatches"),
        counter("dispose_due"),
        counter("disposed"),
        counter("disposed_on_time"),
        counter("overdue_not_disposed"),
        counter("close_due"),
        counter("closed"),
        counter("closed_on_time"),
        counter("closed_first_time"),
        counter("reworks"),
        counter("returns"),
        counter("shirks"),
        sa.Column("extension_hours", sa.Float(), server_default="0", nullable=False),
        counter("suspended"),
        counter("callbacks_reached"),
        counter("callbacks_satisfied"),
        counter("callbacks_basic"),
        counter("callbacks_dissatisfied"),
        counter("callbacks_unreachable"),
        counter("failed_checks"),
        sa.PrimaryKeyConstraint("day", "object_type", "object_id"),
    )


def downgrade() -> None:
    op.drop_table("assessment_day")
    op.drop_table("assessment_cursor")
    op.drop_table("assessment_fact")
