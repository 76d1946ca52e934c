"""Published assessment periods, appeals and their adjustments.

Revision ID: 0009
Revises: 0008
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel.sql.sqltypes

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    when = sqlmodel.sql.sqltypes.UTCDateTime
    text = sqlmodel.sql.sqltypes.AutoString
    op.create_table(
        "assessment_publication",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period", text(length=22), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("policy_version", text(length=32), nullable=False),
        sa.Column("published_by", sa.Integer(), nullable=False),
        sa.Column("published_at", when(), nullable=False),
        sa.Column("appeal_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["published_by"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("period", "revision"),
    )
    with op.batch_alter_table("assessment_publication", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assessment_publication_period"), ["period"])
    op.create_table(
        "assessment_appeal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period", text(length=22), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("serial", text(length=32), nullable=False),
        sa.Column("object_type", text(length=16), nullable=False),
        sa.Column("object_id", text(length=15), nullable=False),
        sa.Column("counter", text(length=32), nullable=False),
        sa.Column("delta", sa.Float(), nullable=False),
        sa.Column("at", text(length=40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("appellant_id", sa.Integer(), nullable=False),
        sa.Column("filed_at", when(), nullable=False),
        sa.Column("state", text(length=16), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", when(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["appellant_id"], ["app_user.id"]),
        sa.ForeignKeyConstraint(["case_id"], ["case_file.id"]),
        sa.ForeignKeyConstraint(["reviewer_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("period", "object_type", "object_id", "case_id", "counter"),
    )
    with op.batch_alter_table("assessment_appeal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assessment_appeal_appellant_id"), ["appellant_id"])
        batch_op.create_index(batch_op.f("ix_assessment_appeal_period"), ["period"])
    op.create_table(
        "assessment_adjustment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("object_type", text(length=16), nullable=False),
        sa.Column("object_id", text(length=15), nullable=False),
        sa.Column("counter", text(length=32), nullable=False),
        sa.Column("delta", sa.Float(), nullable=False),
        sa.Column("day", text(length=10), nullable=False),
        sa.Column("at", text(length=40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("appeal_id", sa.Integer(), nullable=False),
        sa.Column("made_by", sa.Integer(), nullable=False),
        sa.Column("made_at", when(), nullable=False),
        sa.ForeignKeyConstraint(["appeal_id"], ["assessment_appeal.id"]),
        sa.ForeignKeyConstraint(["case_id"], ["case_file.id"]),
        sa.ForeignKeyConstraint(["made_by"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("appeal_id"),
    )
    with op.batch_alter_table("assessment_adjustment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assessment_adjustment_day"), ["day"])


def downgrade() -> None:
    op.drop_table("assessment_adjustment")
    op.drop_table("assessment_appeal")
    op.drop_table("assessment_publication")
