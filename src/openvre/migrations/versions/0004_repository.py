"""repository: depositions and records (concepts, versions, DOIs), buckets and files, keywords,
communities with curators and inclusion requests

Revision ID: 0004_repository
Revises: 0003_workflows
Create Date: 2026-11-22 01:00:38.377928
"""

import sqlalchemy as sa
from alembic import op

from openvre.db import UTCDateTime

revision = "0004_repository"
down_revision = "0003_workflows"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rp_buckets",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.Column("quota_size", sa.BigInteger(), nullable=False),
        sa.Column("max_file_size", sa.BigInteger(), nullable=False),
        sa.Column("max_files", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "rp_communities",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("slug", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=250), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("rp_communities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rp_communities_owner"), ["owner"], unique=False)
        batch_op.create_index(batch_op.f("ix_rp_communities_slug"), ["slug"], unique=True)

    op.create_table(
        "rp_concepts",
        sa.Column("recid", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("conceptdoi", sa.String(length=255), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("recid"),
        sa.UniqueConstraint("conceptdoi"),
    )
    with op.batch_alter_table("rp_concepts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rp_concepts_owner"), ["owner"], unique=False)

    op.create_table(
        "rp_pids",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "rp_community_curators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.String(length=36), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["community_id"], ["rp_communities.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("community_id", "username", name="uq_rp_community_curators"),
    )
    with op.batch_alter_table("rp_community_curators", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rp_community_curators_community_id"), ["community_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_rp_community_curators_username"), ["username"], unique=False)

    op.create_table(
        "rp_depositions",
        sa.Column("recid", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("concept_recid", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("editing", sa.Boolean(), nullable=False),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.Column("edit_meta", sa.JSON(), nullable=True),
        sa.Column("doi", sa.String(length=255), nullable=True),
        sa.Column("version_index", sa.Integer(), nullable=True),
        sa.Column("previous_recid", sa.Integer(), nullable=True),
        sa.Column("is_latest", sa.Boolean(), nullable=False),
        sa.Column("bucket_id", sa.String(length=36), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("upload_type", sa.String(length=30), nullable=True),
        sa.Column("subtype", sa.String(length=30), nullable=True),
        sa.Column("access_right", sa.String(length=12), nullable=True),
        sa.Column("publication_date", sa.String(length=10), nullable=True),
        sa.Column("search_title", sa.Text(), nullable=False),
        sa.Column("search_description", sa.Text(), nullable=False),
        sa.Column("search_creators", sa.Text(), nullable=False),
        sa.Column("search_keywords", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("published_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["bucket_id"],
            ["rp_buckets.id"],
        ),
        sa.ForeignKeyConstraint(["concept_recid"], ["rp_concepts.recid"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["previous_recid"], ["rp_depositions.recid"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("recid"),
        sa.UniqueConstraint("bucket_id"),
        sa.UniqueConstraint("doi"),
    )
    with op.batch_alter_table("rp_depositions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rp_depositions_concept_recid"), ["concept_recid"], unique=False)
        batch_op.create_index(batch_op.f("ix_rp_depositions_is_latest"), ["is_latest"], unique=False)
        batch_op.create_index(batch_op.f("ix_rp_depositions_owner"), ["owner"], unique=False)
        batch_op.create_index(batch_op.f("ix_rp_depositions_publication_date"), ["publication_date"], unique=False)
        batch_op.create_index(batch_op.f("ix_rp_depositions_published_at"), ["published_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_rp_depositions_state"), ["state"], unique=False)
        batch_op.create_index(batch_op.f("ix_rp_depositions_upload_type"), ["upload_type"], unique=False)

    op.create_table(
        "rp_files",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("bucket_id", sa.String(length=36), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("md5", sa.String(length=32), nullable=False),
        sa.Column("mimetype", sa.String(length=255), nullable=False),
        sa.Column("storage_path", sa.String(length=512), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["bucket_id"], ["rp_buckets.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("bucket_id", "key", name="uq_rp_files_bucket_key"),
    )
    with op.batch_alter_table("rp_files", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rp_files_bucket_id"), ["bucket_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_rp_files_storage_path"), ["storage_path"], unique=False)

    op.create_table(
        "rp_inclusion_requests",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("community_id", sa.String(length=36), nullable=False),
        sa.Column("concept_recid", sa.Integer(), nullable=False),
        sa.Column("recid", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["community_id"], ["rp_communities.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["concept_recid"], ["rp_concepts.recid"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("community_id", "concept_recid", name="uq_rp_inclusion_requests"),
    )
    with op.batch_alter_table("rp_inclusion_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rp_inclusion_requests_community_id"), ["community_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_rp_inclusion_requests_concept_recid"), ["concept_recid"], unique=False)
        batch_op.create_index(batch_op.f("ix_rp_inclusion_requests_status"), ["status"], unique=False)

    op.create_table(
        "rp_keywords",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recid", sa.Integer(), nullable=False),
        sa.Column("keyword", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(["recid"], ["rp_depositions.recid"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("recid", "keyword", name="uq_rp_keywords"),
    )
    with op.batch_alter_table("rp_keywords", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rp_keywords_keyword"), ["keyword"], unique=False)
        batch_op.create_index(batch_op.f("ix_rp_keywords_recid"), ["recid"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("rp_keywords", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rp_keywords_recid"))
        batch_op.drop_index(batch_op.f("ix_rp_keywords_keyword"))

    op.drop_table("rp_keywords")
    with op.batch_alter_table("rp_inclusion_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rp_inclusion_requests_status"))
        batch_op.drop_index(batch_op.f("ix_rp_inclusion_requests_concept_recid"))
        batch_op.drop_index(batch_op.f("ix_rp_inclusion_requests_community_id"))

    op.drop_table("rp_inclusion_requests")
    with op.batch_alter_table("rp_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rp_files_storage_path"))
        batch_op.drop_index(batch_op.f("ix_rp_files_bucket_id"))

    op.drop_table("rp_files")
    with op.batch_alter_table("rp_depositions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rp_depositions_upload_type"))
        batch_op.drop_index(batch_op.f("ix_rp_depositions_state"))
        batch_op.drop_index(batch_op.f("ix_rp_depositions_published_at"))
        batch_op.drop_index(batch_op.f("ix_rp_depositions_publication_date"))
        batch_op.drop_index(batch_op.f("ix_rp_depositions_owner"))
        batch_op.drop_index(batch_op.f("ix_rp_depositions_is_latest"))
        batch_op.drop_index(batch_op.f("ix_rp_depositions_concept_recid"))

    op.drop_table("rp_depositions")
    with op.batch_alter_table("rp_community_curators", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rp_community_curators_username"))
        batch_op.drop_index(batch_op.f("ix_rp_community_curators_community_id"))

    op.drop_table("rp_community_curators")
    op.drop_table("rp_pids")
    with op.batch_alter_table("rp_concepts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rp_concepts_owner"))

    op.drop_table("rp_concepts")
    with op.batch_alter_table("rp_communities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rp_communities_slug"))
        batch_op.drop_index(batch_op.f("ix_rp_communities_owner"))

    op.drop_table("rp_communities")
    op.drop_table("rp_buckets")
