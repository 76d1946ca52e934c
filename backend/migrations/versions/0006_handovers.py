"""Shift handover records (交接班).

Revision ID: 0006
Revises: 0003
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel.sql.sqltypes

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    when = sqlmodel.sql.sqltypes.UTCDateTime
    text = sqlmodel.sql.sqltypes.AutoString
    op.create_table(
        "handover",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction_code", text(length=15), nullable=False),
        sa.Column("scope_prefix", text(length=15), nullable=False),
        sa.Column("shift", sa.JSON(), nullable=False),
        sa.Column("starts_at", when(), nullable=False),
        sa.Column("ends_at", when(), nullable=False),
        sa.Column("to_shift", sa.JSON(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("author", text(length=64), nullable=False),
        sa.Column("author_name", text(length=64), nullable=False),
        sa.Column("created_at", when(), nullable=False),
        sa.Column("updated_at", when(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("checklist", sa.JSON(), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("signed_at", when(), nullable=True),
        sa.Column("acknowledged_at", when(), nullable=True),
        sa.Column("acknowledged_by_id", sa.Integer(), nullable=True),
        sa.Column("acknowledged_by", text(length=64), nullable=True),
        sa.Column("acknowledged_by_name", text(length=64), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["acknowledged_by_id"], ["app_user.id"]),
        sa.ForeignKeyConstraint(["author_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("jurisdiction_code", "starts_at"),
    )
    with op.batch_alter_table("handover", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_handover_scope_prefix"), ["scope_prefix"])
        batch_op.create_index(batch_op.f("ix_handover_starts_at"), ["starts_at"])


def downgrade() -> None:
    with op.batch_alter_table("handover", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_handover_starts_at"))
        batch_op.drop_index(batch_op.f("ix_handover_scope_prefix"))
    op.drop_table("handover")
