"""Photo evidence: the case_photo table (content-addressed files, one row per upload).

Revision ID: 0005
Revises: 0003
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel.sql.sqltypes

revision = "0005"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_photo",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("media_type", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("phase", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("uploaded_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("uploaded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case_file.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("case_photo", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_photo_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_photo_sha256"), ["sha256"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("case_photo", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_photo_sha256"))
        batch_op.drop_index(batch_op.f("ix_case_photo_case_id"))
    op.drop_table("case_photo")
