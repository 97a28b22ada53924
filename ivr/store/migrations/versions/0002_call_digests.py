"""call digests: one row per call, the journey in brief, for reports

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02

The calls already stored get their digests during the upgrade (``ivr.store.digest.freshen``: one
read of the events, about a minute per 100,000 calls on SQLite); from then on ``ingest`` keeps them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "call_digests",
        sa.Column("call_sid", sa.String(64), primary_key=True),
        sa.Column("source_updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True)),
        sa.Column("language", sa.String(16)),
        sa.Column("has_message", sa.Integer, nullable=False),
        sa.Column("has_completed", sa.Integer, nullable=False),
        sa.Column("has_transfer", sa.Integer, nullable=False),
        sa.Column("reached_hotline", sa.Integer, nullable=False),
        sa.Column("journey", sa.Text, nullable=False),
        sa.Column("timings", sa.Text, nullable=False),
    )
    op.create_index("ix_call_digests_started_at", "call_digests", ["started_at"])
    # the calls already stored get their digests now, from their events (one pass, in chunks)
    from ivr.store import digest

    digest.freshen(op.get_bind())


def downgrade() -> None:
    op.drop_table("call_digests")
