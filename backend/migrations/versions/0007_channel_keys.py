"""Channel keys: the Open311 façade's api_keys, one channel and jurisdiction each.

Revision ID: 0007
Revises: 0006
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel.sql.sqltypes

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    when = sqlmodel.sql.sqltypes.UTCDateTime
    text = sqlmodel.sql.sqltypes.AutoString
    op.create_table(
        "channel_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_hash", text(length=64), nullable=False),
        sa.Column("channel", text(length=16), nullable=False),
        sa.Column("jurisdiction_code", text(length=15), nullable=False),
        sa.Column("rate_per_minute", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("label", text(length=64), nullable=False),
        sa.Column("created_at", when(), nullable=False),
        sa.Column("revoked_at", when(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key_hash"),
    )
    with op.batch_alter_table("channel_key", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_channel_key_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("channel_key", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_channel_key_user_id"))
    op.drop_table("channel_key")
