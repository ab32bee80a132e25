"""data lake: catalog, storage elements, replicas, rules, locks and transfers

Revision ID: 0002_datalake
Revises: 0001_identity
Create Date: 2026-11-22 00:11:37.123227
"""

import sqlalchemy as sa
from alembic import op

from openvre.db import UTCDateTime

revision = "0002_datalake"
down_revision = "0001_identity"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dl_dids",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=25), nullable=False),
        sa.Column("name", sa.String(length=250), nullable=False),
        sa.Column("did_type", sa.String(length=10), nullable=False),
        sa.Column("account", sa.String(length=25), nullable=False),
        sa.Column("bytes", sa.BigInteger(), nullable=True),
        sa.Column("adler32", sa.String(length=8), nullable=True),
        sa.Column("md5", sa.String(length=32), nullable=True),
        sa.Column("guid", sa.String(length=32), nullable=True),
        sa.Column("is_open", sa.Boolean(), nullable=False),
        sa.Column("monotonic", sa.Boolean(), nullable=False),
        sa.Column("availability", sa.String(length=10), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("expired_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("scope", "name", name="uq_dl_dids_scope_name"),
    )
    with op.batch_alter_table("dl_dids", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dl_dids_did_type"), ["did_type"], unique=False)
        batch_op.create_index(batch_op.f("ix_dl_dids_name"), ["name"], unique=False)
        batch_op.create_index(batch_op.f("ix_dl_dids_scope"), ["scope"], unique=False)

    op.create_table(
        "dl_rses",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("rse_type", sa.String(length=10), nullable=False),
        sa.Column("deterministic", sa.Boolean(), nullable=False),
        sa.Column("volatile", sa.Boolean(), nullable=False),
        sa.Column("availability_read", sa.Boolean(), nullable=False),
        sa.Column("availability_write", sa.Boolean(), nullable=False),
        sa.Column("availability_delete", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("dl_rses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dl_rses_name"), ["name"], unique=True)

    op.create_table(
        "dl_scopes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=25), nullable=False),
        sa.Column("account", sa.String(length=25), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("dl_scopes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dl_scopes_account"), ["account"], unique=False)
        batch_op.create_index(batch_op.f("ix_dl_scopes_name"), ["name"], unique=True)

    op.create_table(
        "dl_account_limits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(length=25), nullable=False),
        sa.Column("rse_id", sa.String(length=32), nullable=False),
        sa.Column("bytes", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["rse_id"], ["dl_rses.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("account", "rse_id", name="uq_dl_account_limits"),
    )
    with op.batch_alter_table("dl_account_limits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dl_account_limits_account"), ["account"], unique=False)

    op.create_table(
        "dl_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=False),
        sa.Column("child_id", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["child_id"], ["dl_dids.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["parent_id"], ["dl_dids.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("parent_id", "child_id", name="uq_dl_attachments"),
    )
    with op.batch_alter_table("dl_attachments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dl_attachments_child_id"), ["child_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_dl_attachments_parent_id"), ["parent_id"], unique=False)

    op.create_table(
        "dl_did_meta",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("did_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("text_value", sa.Text(), nullable=False),
        sa.Column("number_value", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["did_id"], ["dl_dids.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("did_id", "key", name="uq_dl_did_meta_key"),
    )
    with op.batch_alter_table("dl_did_meta", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dl_did_meta_did_id"), ["did_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_dl_did_meta_key"), ["key"], unique=False)
        batch_op.create_index(batch_op.f("ix_dl_did_meta_number_value"), ["number_value"], unique=False)
        batch_op.create_index(batch_op.f("ix_dl_did_meta_text_value"), ["text_value"], unique=False)

    op.create_table(
        "dl_replicas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("did_id", sa.Integer(), nullable=False),
        sa.Column("rse_id", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("bytes", sa.BigInteger(), nullable=True),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("lock_cnt", sa.Integer(), nullable=False),
        sa.Column("tombstone", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("accessed_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["did_id"], ["dl_dids.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["rse_id"], ["dl_rses.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("did_id", "rse_id", name="uq_dl_replicas"),
    )
    with op.batch_alter_table("dl_replicas", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dl_replicas_did_id"), ["did_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_dl_replicas_rse_id"), ["rse_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_dl_replicas_state"), ["state"], unique=False)
        batch_op.create_index(batch_op.f("ix_dl_replicas_tombstone"), ["tombstone"], unique=False)

    op.create_table(
        "dl_rse_attributes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rse_id", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["rse_id"], ["dl_rses.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("rse_id", "key", name="uq_dl_rse_attributes"),
    )
    with op.batch_alter_table("dl_rse_attributes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dl_rse_attributes_rse_id"), ["rse_id"], unique=False)

    op.create_table(
        "dl_rse_protocols",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rse_id", sa.String(length=32), nullable=False),
        sa.Column("scheme", sa.String(length=32), nullable=False),
        sa.Column("hostname", sa.String(length=255), nullable=False),
        sa.Column("port", sa.Integer(), nullable=False),
        sa.Column("prefix", sa.Text(), nullable=False),
        sa.Column("impl", sa.String(length=255), nullable=False),
        sa.Column("domains", sa.JSON(), nullable=False),
        sa.Column("extended_attributes", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["rse_id"], ["dl_rses.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("rse_id", "scheme", "hostname", "port", name="uq_dl_rse_protocols"),
    )
    with op.batch_alter_table("dl_rse_protocols", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dl_rse_protocols_rse_id"), ["rse_id"], unique=False)

    op.create_table(
        "dl_rules",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("account", sa.String(length=25), nullable=False),
        sa.Column("did_id", sa.Integer(), nullable=False),
        sa.Column("rse_expression", sa.Text(), nullable=False),
        sa.Column("copies", sa.Integer(), nullable=False),
        sa.Column("grouping", sa.String(length=10), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("locks_ok_cnt", sa.Integer(), nullable=False),
        sa.Column("locks_replicating_cnt", sa.Integer(), nullable=False),
        sa.Column("locks_stuck_cnt", sa.Integer(), nullable=False),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.Column("purge_replicas", sa.Boolean(), nullable=False),
        sa.Column("activity", sa.String(length=50), nullable=False),
        sa.Column("source_replica_expression", sa.Text(), nullable=True),
        sa.Column("comments", sa.Text(), nullable=True),
        sa.Column("weight", sa.String(length=255), nullable=True),
        sa.Column("notification", sa.String(length=10), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("meta", sa.JSON(), nullable=True),
        sa.Column("expires_at", UTCDateTime(), nullable=True),
        sa.Column("stuck_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["did_id"], ["dl_dids.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("dl_rules", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dl_rules_account"), ["account"], unique=False)
        batch_op.create_index(batch_op.f("ix_dl_rules_did_id"), ["did_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_dl_rules_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_dl_rules_state"), ["state"], unique=False)

    op.create_table(
        "dl_transfers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("did_id", sa.Integer(), nullable=False),
        sa.Column("dest_rse_id", sa.String(length=32), nullable=False),
        sa.Column("source_rse_id", sa.String(length=32), nullable=True),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["dest_rse_id"], ["dl_rses.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["did_id"], ["dl_dids.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["source_rse_id"], ["dl_rses.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("did_id", "dest_rse_id", name="uq_dl_transfers"),
    )
    with op.batch_alter_table("dl_transfers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dl_transfers_dest_rse_id"), ["dest_rse_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_dl_transfers_did_id"), ["did_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_dl_transfers_next_attempt_at"), ["next_attempt_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_dl_transfers_state"), ["state"], unique=False)

    op.create_table(
        "dl_locks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.String(length=32), nullable=False),
        sa.Column("did_id", sa.Integer(), nullable=False),
        sa.Column("rse_id", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("bytes", sa.BigInteger(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["did_id"], ["dl_dids.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["rse_id"], ["dl_rses.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["rule_id"], ["dl_rules.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("rule_id", "did_id", "rse_id", name="uq_dl_locks"),
    )
    with op.batch_alter_table("dl_locks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dl_locks_did_id"), ["did_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_dl_locks_rse_id"), ["rse_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_dl_locks_rule_id"), ["rule_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_dl_locks_state"), ["state"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("dl_locks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dl_locks_state"))
        batch_op.drop_index(batch_op.f("ix_dl_locks_rule_id"))
        batch_op.drop_index(batch_op.f("ix_dl_locks_rse_id"))
        batch_op.drop_index(batch_op.f("ix_dl_locks_did_id"))

    op.drop_table("dl_locks")
    with op.batch_alter_table("dl_transfers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dl_transfers_state"))
        batch_op.drop_index(batch_op.f("ix_dl_transfers_next_attempt_at"))
        batch_op.drop_index(batch_op.f("ix_dl_transfers_did_id"))
        batch_op.drop_index(batch_op.f("ix_dl_transfers_dest_rse_id"))

    op.drop_table("dl_transfers")
    with op.batch_alter_table("dl_rules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dl_rules_state"))
        batch_op.drop_index(batch_op.f("ix_dl_rules_expires_at"))
        batch_op.drop_index(batch_op.f("ix_dl_rules_did_id"))
        batch_op.drop_index(batch_op.f("ix_dl_rules_account"))

    op.drop_table("dl_rules")
    with op.batch_alter_table("dl_rse_protocols", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dl_rse_protocols_rse_id"))

    op.drop_table("dl_rse_protocols")
    with op.batch_alter_table("dl_rse_attributes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dl_rse_attributes_rse_id"))

    op.drop_table("dl_rse_attributes")
    with op.batch_alter_table("dl_replicas", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dl_replicas_tombstone"))
        batch_op.drop_index(batch_op.f("ix_dl_replicas_state"))
        batch_op.drop_index(batch_op.f("ix_dl_replicas_rse_id"))
        batch_op.drop_index(batch_op.f("ix_dl_replicas_did_id"))

    op.drop_table("dl_replicas")
    with op.batch_alter_table("dl_did_meta", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dl_did_meta_text_value"))
        batch_op.drop_index(batch_op.f("ix_dl_did_meta_number_value"))
        batch_op.drop_index(batch_op.f("ix_dl_did_meta_key"))
        batch_op.drop_index(batch_op.f("ix_dl_did_meta_did_id"))

    op.drop_table("dl_did_meta")
    with op.batch_alter_table("dl_attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dl_attachments_parent_id"))
        batch_op.drop_index(batch_op.f("ix_dl_attachments_child_id"))

    op.drop_table("dl_attachments")
    with op.batch_alter_table("dl_account_limits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dl_account_limits_account"))

    op.drop_table("dl_account_limits")
    with op.batch_alter_table("dl_scopes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dl_scopes_name"))
        batch_op.drop_index(batch_op.f("ix_dl_scopes_account"))

    op.drop_table("dl_scopes")
    with op.batch_alter_table("dl_rses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dl_rses_name"))

    op.drop_table("dl_rses")
    with op.batch_alter_table("dl_dids", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dl_dids_scope"))
        batch_op.drop_index(batch_op.f("ix_dl_dids_name"))
        batch_op.drop_index(batch_op.f("ix_dl_dids_did_type"))

    op.drop_table("dl_dids")
