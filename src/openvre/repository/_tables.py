"""The repository's tables: Zenodo's data model with fewer columns.

A *concept* groups the versions of one work and owns the concept DOI. Each version is a *deposition*
(Zenodo's word for a record while it is edited), identified by its ``recid``; publishing makes it an
immutable record with its own DOI. Record ids and concept ids come from one sequence (``rp_pids``), as
on Zenodo, so ``/api/records/<n>`` names exactly one thing. Every deposition has a *bucket* of files;
publishing locks it. A new version's files point at the same stored bytes as the version before, so a
version costs no copy. Communities include whole concepts (every version) once a curator accepts the
inclusion request.

The search columns (``search_*``, lowercased) hold the published metadata so records can be searched
with plain SQL on SQLite and PostgreSQL alike; wire shapes live in the API layer, not here.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from openvre.db import Base, UTCDateTime, utcnow


class PidRow(Base):
    """One number of the sequence shared by record ids and concept ids; numbers are never reused."""

    __tablename__ = "rp_pids"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(12))  # recid, conceptrecid
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ConceptRow(Base):
    __tablename__ = "rp_concepts"

    recid: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    owner: Mapped[str] = mapped_column(String(64), index=True)
    conceptdoi: Mapped[str | None] = mapped_column(String(255), unique=True, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BucketRow(Base):
    __tablename__ = "rp_buckets"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # a UUID, as in Zenodo's bucket links
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    quota_size: Mapped[int] = mapped_column(BigInteger)
    max_file_size: Mapped[int] = mapped_column(BigInteger)
    max_files: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class FileRow(Base):
    """A file in a bucket. ``storage_path`` is relative to the repository's root and may be shared by versions."""

    __tablename__ = "rp_files"
    __table_args__ = (UniqueConstraint("bucket_id", "key", name="uq_rp_files_bucket_key"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    bucket_id: Mapped[str] = mapped_column(ForeignKey("rp_buckets.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    md5: Mapped[str] = mapped_column(String(32))
    mimetype: Mapped[str] = mapped_column(String(255), default="application/octet-stream")
    storage_path: Mapped[str] = mapped_column(String(512), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class DepositionRow(Base):
    """One version of a work: a draft until published, then a record whose files never change.

    ``meta`` is the metadata as published (or, for a draft, as last saved); ``edit_meta`` holds the
    changes of an edit session on a published record until they are published or discarded.
    """

    __tablename__ = "rp_depositions"

    recid: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    concept_recid: Mapped[int] = mapped_column(ForeignKey("rp_concepts.recid", ondelete="CASCADE"), index=True)
    owner: Mapped[str] = mapped_column(String(64), index=True)
    state: Mapped[str] = mapped_column(String(10), index=True)  # draft, published
    editing: Mapped[bool] = mapped_column(Boolean, default=False)
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSON)
    edit_meta: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    doi: Mapped[str | None] = mapped_column(String(255), unique=True, nullable=True)
    version_index: Mapped[int | None] = mapped_column(Integer, nullable=True)
    previous_recid: Mapped[int | None] = mapped_column(
        ForeignKey("rp_depositions.recid", ondelete="SET NULL"), nullable=True
    )
    is_latest: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    bucket_id: Mapped[str] = mapped_column(ForeignKey("rp_buckets.id"), unique=True)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(Text, default="")
    upload_type: Mapped[str | None] = mapped_column(String(30), nullable=True, index=True)
    subtype: Mapped[str | None] = mapped_column(String(30), nullable=True)  # publication_type or image_type
    access_right: Mapped[str | None] = mapped_column(String(12), nullable=True)
    publication_date: Mapped[str | None] = mapped_column(String(10), nullable=True, index=True)
    search_title: Mapped[str] = mapped_column(Text, default="")
    search_description: Mapped[str] = mapped_column(Text, default="")
    search_creators: Mapped[str] = mapped_column(Text, default="")
    search_keywords: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)


class KeywordRow(Base):
    """A published record's keyword, lowercased, for the exact ``keywords=`` filter."""

    __tablename__ = "rp_keywords"
    __table_args__ = (UniqueConstraint("recid", "keyword", name="uq_rp_keywords"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recid: Mapped[int] = mapped_column(ForeignKey("rp_depositions.recid", ondelete="CASCADE"), index=True)
    keyword: Mapped[str] = mapped_column(String(255), index=True)


class CommunityRow(Base):
    __tablename__ = "rp_communities"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True, index=True)
    title: Mapped[str] = mapped_column(String(250))
    description: Mapped[str] = mapped_column(Text, default="")
    owner: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class CuratorRow(Base):
    __tablename__ = "rp_community_curators"
    __table_args__ = (UniqueConstraint("community_id", "username", name="uq_rp_community_curators"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[str] = mapped_column(ForeignKey("rp_communities.id", ondelete="CASCADE"), index=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    role: Mapped[str] = mapped_column(String(10))  # owner, curator
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InclusionRequestRow(Base):
    """A request that a community include a concept (all its versions); accepted means included."""

    __tablename__ = "rp_inclusion_requests"
    __table_args__ = (UniqueConstraint("community_id", "concept_recid", name="uq_rp_inclusion_requests"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    community_id: Mapped[str] = mapped_column(ForeignKey("rp_communities.id", ondelete="CASCADE"), index=True)
    concept_recid: Mapped[int] = mapped_column(ForeignKey("rp_concepts.recid", ondelete="CASCADE"), index=True)
    recid: Mapped[int] = mapped_column(Integer)  # the version whose publication asked
    status: Mapped[str] = mapped_column(String(10), index=True)  # submitted, accepted, declined
    created_by: Mapped[str] = mapped_column(String(64))
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
