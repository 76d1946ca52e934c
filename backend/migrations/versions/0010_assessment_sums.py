"""Assessment counters summed per month, filled from the day counters already folded.

Revision ID: 0010
Revises: 0009
"""

from alembic import op
import sqlalchemy as sa

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# The counters as 0008 made them (a migration is frozen text: it does not read the models).
COUNTER_COLUMNS = (
    "patrol_reports",
    "public_reports",
    "valid_patrol_reports",
    "verify_due",
    "verify_on_time",
    "check_due",
    "check_on_time",
    "verify_orders_due",
    "verify_orders_on_time",
    "check_orders_due",
    "check_orders_on_time",
    "accepted",
    "filed",
    "filed_on_time",
    "voided",
    "dispatch_due",
    "dispatched",
    "dispatched_on_time",
    "dispatched_accurately",
    "wrong_dispatches",
    "dispose_due",
    "disposed",
    "disposed_on_time",
    "overdue_not_disposed",
    "close_due",
    "closed",
    "closed_on_time",
    "closed_first_time",
    "reworks",
    "returns",
    "shirks",
    "extension_hours",
    "suspended",
    "callbacks_reached",
    "callbacks_satisfied",
    "callbacks_basic",
    "callbacks_dissatisfied",
    "callbacks_unreachable",
    "failed_checks",
)


def counter(name: str) -> sa.Column:
    kind = sa.Float() if name == "extension_hours" else sa.Integer()
    return sa.Column(name, kind, server_default="0", nullable=False)


def upgrade() -> None:
    op.create_table(
        "assessment_month",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("object_type", sa.String(length=16), nullable=False),
        sa.Column("object_id", sa.String(length=15), nullable=False),
        *(counter(name) for name in COUNTER_COLUMNS),
        sa.PrimaryKeyConstraint("month", "object_type", "object_id"),
    )
    names = ", ".join(COUNTER_COLUMNS)
    sums = ", ".join(f"SUM({name})" for name in COUNTER_COLUMNS)
    op.execute(
        f"INSERT INTO assessment_month (month, object_type, object_id, {names}) "
        f"SELECT substr(day, 1, 7), object_type, object_id, {sums} FROM assessment_day "
        "GROUP BY substr(day, 1, 7), object_type, object_id"
    )


def downgrade() -> None:
    op.drop_table("assessment_month")
