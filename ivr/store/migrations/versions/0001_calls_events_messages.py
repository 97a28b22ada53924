"""calls, events and messages

Revision ID: 0001
Revises:
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "calls",
        sa.Column("call_sid", sa.String(64), primary_key=True),
        sa.Column("from_number", sa.String(64)),
        sa.Column("to_number", sa.String(64)),
        sa.Column("language", sa.String(16)),
        sa.Column("started_at", TS),
        sa.Column("ended_at", TS),
        sa.Column("call_status", sa.String(32)),
        sa.Column("duration_s", sa.Integer),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_index("ix_calls_started_at", "calls", ["started_at"])
    op.create_table(
        "events",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("call_sid", sa.String(64), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("received_ns", sa.BigInteger, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("node", sa.String(128)),
        sa.Column("language", sa.String(16)),
        sa.Column("input_mode", sa.String(8)),
        sa.Column("value", sa.Text),
        sa.Column("confidence", sa.Float),
        sa.Column("choice", sa.String(128)),
        sa.Column("attempt", sa.Integer),
        sa.Column("target", sa.String(128)),
        sa.Column("hotline", sa.String(128)),
        sa.Column("status", sa.String(32)),
        sa.Column("duration_s", sa.Integer),
        sa.Column("detail", sa.Text),
    )
    op.create_index("ix_events_call", "events", ["call_sid", "received_ns", "seq"])
    op.create_index("ix_events_at", "events", ["at"])
    op.create_table(
        "messages",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("recording_sid", sa.String(64), nullable=False, unique=True),
        sa.Column("call_sid", sa.String(64), nullable=False),
        sa.Column("caller", sa.String(64)),
        sa.Column("hotline", sa.String(128)),
        sa.Column("node", sa.String(128)),
        sa.Column("language", sa.String(16)),
        sa.Column("recorded_at", TS, nullable=False),
        sa.Column("duration_s", sa.Integer),
        sa.Column("recording_url", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="new"),
        sa.Column("handled_at", TS),
        sa.Column("notified_at", TS),
        sa.Column("notify_attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("notify_next_at", TS),
        sa.Column("notify_error", sa.Text),
    )
    op.create_index("ix_messages_status", "messages", ["status", "recorded_at"])
    op.create_index("ix_messages_call", "messages", ["call_sid"])


def downgrade() -> None:
    op.drop_table("messages")
    op.drop_table("events")
    op.drop_table("calls")
