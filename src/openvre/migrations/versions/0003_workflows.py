"""workflows: workflows, runs, steps and state changes

Revision ID: 0003_workflows
Revises: 0002_datalake
Create Date: 2026-11-22 00:53:16.005064
"""

import sqlalchemy as sa
from alembic import op

from openvre.db import UTCDateTime

revision = "0003_workflows"
down_revision = "0002_datalake"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "wf_workflows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("owner", "name", name="uq_wf_workflows_owner_name"),
    )
    with op.batch_alter_table("wf_workflows", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_wf_workflows_owner"), ["owner"], unique=False)

    op.create_table(
        "wf_runs",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("workflow_id", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("run_major", sa.Integer(), nullable=False),
        sa.Column("run_minor", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("workflow_type", sa.String(length=20), nullable=False),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("operational_options", sa.JSON(), nullable=False),
        sa.Column("workspace", sa.String(length=1024), nullable=False),
        sa.Column("restarted_from", sa.String(length=36), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=True),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("stopped_at", UTCDateTime(), nullable=True),
        sa.Column("stop_requested_at", UTCDateTime(), nullable=True),
        sa.Column("total_steps", sa.Integer(), nullable=False),
        sa.Column("finished_steps", sa.Integer(), nullable=False),
        sa.Column("failed_steps", sa.Integer(), nullable=False),
        sa.Column("running_steps", sa.Integer(), nullable=False),
        sa.Column("current_step", sa.String(length=200), nullable=True),
        sa.Column("current_command", sa.Text(), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("log_path", sa.String(length=1024), nullable=True),
        sa.Column("claimed_by", sa.String(length=200), nullable=True),
        sa.Column("heartbeat_at", UTCDateTime(), nullable=True),
        sa.Column("provenance", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(["workflow_id"], ["wf_workflows.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("workflow_id", "run_major", "run_minor", name="uq_wf_runs_number"),
    )
    with op.batch_alter_table("wf_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_wf_runs_claimed_by"), ["claimed_by"], unique=False)
        batch_op.create_index(batch_op.f("ix_wf_runs_name"), ["name"], unique=False)
        batch_op.create_index(batch_op.f("ix_wf_runs_owner"), ["owner"], unique=False)
        batch_op.create_index(batch_op.f("ix_wf_runs_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_wf_runs_workflow_id"), ["workflow_id"], unique=False)

    op.create_table(
        "wf_state_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("from_status", sa.String(length=10), nullable=False),
        sa.Column("to_status", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["wf_runs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("wf_state_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_wf_state_changes_run_id"), ["run_id"], unique=False)

    op.create_table(
        "wf_steps",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("run_id", sa.String(length=36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("command", sa.Text(), nullable=False),
        sa.Column("image", sa.String(length=500), nullable=False),
        sa.Column("compute_backend", sa.String(length=50), nullable=False),
        sa.Column("exit_code", sa.Integer(), nullable=True),
        sa.Column("started_at", UTCDateTime(), nullable=True),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("log_path", sa.String(length=1024), nullable=True),
        sa.ForeignKeyConstraint(["run_id"], ["wf_runs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("wf_steps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_wf_steps_run_id"), ["run_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("wf_steps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_wf_steps_run_id"))

    op.drop_table("wf_steps")
    with op.batch_alter_table("wf_state_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_wf_state_changes_run_id"))

    op.drop_table("wf_state_changes")
    with op.batch_alter_table("wf_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_wf_runs_workflow_id"))
        batch_op.drop_index(batch_op.f("ix_wf_runs_status"))
        batch_op.drop_index(batch_op.f("ix_wf_runs_owner"))
        batch_op.drop_index(batch_op.f("ix_wf_runs_name"))
        batch_op.drop_index(batch_op.f("ix_wf_runs_claimed_by"))

    op.drop_table("wf_runs")
    with op.batch_alter_table("wf_workflows", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_wf_workflows_owner"))

    op.drop_table("wf_workflows")
