"""The data lake's tables: Rucio's data model with fewer columns.

Scopes, DIDs and their attachments form the catalog; RSEs with attributes and protocols describe
storage; replicas say which bytes sit where; rules ask for copies and own one lock per file and RSE;
transfers are the work the agent does to satisfy locks. Everything the agent knows is in these rows,
so a restart resumes from them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from openvre.db import Base, UTCDateTime, utcnow


class ScopeRow(Base):
    __tablename__ = "dl_scopes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(25), unique=True, index=True)
    account: Mapped[str] = mapped_column(String(25), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DidRow(Base):
    __tablename__ = "dl_dids"
    __table_args__ = (UniqueConstraint("scope", "name", name="uq_dl_dids_scope_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(25), index=True)
    name: Mapped[str] = mapped_column(String(250), index=True)
    did_type: Mapped[str] = mapped_column(String(10), index=True)  # FILE, DATASET, CONTAINER
    account: Mapped[str] = mapped_column(String(25))
    bytes: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    adler32: Mapped[str | None] = mapped_column(String(8), nullable=True)
    md5: Mapped[str | None] = mapped_column(String(32), nullable=True)
    guid: Mapped[str | None] = mapped_column(String(32), nullable=True)
    is_open: Mapped[bool] = mapped_column(Boolean, default=True)
    monotonic: Mapped[bool] = mapped_column(Boolean, default=False)
    availability: Mapped[str] = mapped_column(String(10), default="AVAILABLE")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    expired_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    meta: Mapped[list[DidMetaRow]] = relationship(cascade="all, delete-orphan", back_populates="did")


class DidMetaRow(Base):
    """One user metadata key of a DID; numbers are also kept as floats so `<`/`>` filters compare numbers."""

    __tablename__ = "dl_did_meta"
    __table_args__ = (UniqueConstraint("did_id", "key", name="uq_dl_did_meta_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    did_id: Mapped[int] = mapped_column(ForeignKey("dl_dids.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(100), index=True)
    value: Mapped[Any] = mapped_column(JSON)
    text_value: Mapped[str] = mapped_column(Text, index=True)
    number_value: Mapped[float | None] = mapped_column(Float, nullable=True, index=True)

    did: Mapped[DidRow] = relationship(back_populates="meta")


class AttachmentRow(Base):
    """A DID attached to a collection (file → dataset, dataset/container → container)."""

    __tablename__ = "dl_attachments"
    __table_args__ = (UniqueConstraint("parent_id", "child_id", name="uq_dl_attachments"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    parent_id: Mapped[int] = mapped_column(ForeignKey("dl_dids.id", ondelete="CASCADE"), index=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("dl_dids.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RseRow(Base):
    __tablename__ = "dl_rses"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # 32 hex, as Rucio
    name: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    rse_type: Mapped[str] = mapped_column(String(10), default="DISK")
    deterministic: Mapped[bool] = mapped_column(Boolean, default=True)
    volatile: Mapped[bool] = mapped_column(Boolean, default=False)
    availability_read: Mapped[bool] = mapped_column(Boolean, default=True)
    availability_write: Mapped[bool] = mapped_column(Boolean, default=True)
    availability_delete: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class RseAttributeRow(Base):
    __tablename__ = "dl_rse_attributes"
    __table_args__ = (UniqueConstraint("rse_id", "key", name="uq_dl_rse_attributes"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rse_id: Mapped[str] = mapped_column(ForeignKey("dl_rses.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(100))
    value: Mapped[Any] = mapped_column(JSON)


class RseProtocolRow(Base):
    __tablename__ = "dl_rse_protocols"
    __table_args__ = (UniqueConstraint("rse_id", "scheme", "hostname", "port", name="uq_dl_rse_protocols"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rse_id: Mapped[str] = mapped_column(ForeignKey("dl_rses.id", ondelete="CASCADE"), index=True)
    scheme: Mapped[str] = mapped_column(String(32))
    hostname: Mapped[str] = mapped_column(String(255), default="localhost")
    port: Mapped[int] = mapped_column(Integer, default=0)
    prefix: Mapped[str] = mapped_column(Text)
    impl: Mapped[str] = mapped_column(String(255))
    domains: Mapped[Any] = mapped_column(JSON)
    extended_attributes: Mapped[Any] = mapped_column(JSON, nullable=True)


class ReplicaRow(Base):
    __tablename__ = "dl_replicas"
    __table_args__ = (UniqueConstraint("did_id", "rse_id", name="uq_dl_replicas"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    did_id: Mapped[int] = mapped_column(ForeignKey("dl_dids.id", ondelete="CASCADE"), index=True)
    rse_id: Mapped[str] = mapped_column(ForeignKey("dl_rses.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(16), index=True)  # AVAILABLE, COPYING, BAD, UNAVAILABLE, BEING_DELETED
    bytes: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    path: Mapped[str] = mapped_column(Text)
    lock_cnt: Mapped[int] = mapped_column(Integer, default=0)
    tombstone: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    accessed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class AccountLimitRow(Base):
    __tablename__ = "dl_account_limits"
    __table_args__ = (UniqueConstraint("account", "rse_id", name="uq_dl_account_limits"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account: Mapped[str] = mapped_column(String(25), index=True)
    rse_id: Mapped[str] = mapped_column(ForeignKey("dl_rses.id", ondelete="CASCADE"))
    bytes: Mapped[int] = mapped_column(BigInteger)  # -1: no limit


class RuleRow(Base):
    __tablename__ = "dl_rules"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    account: Mapped[str] = mapped_column(String(25), index=True)
    did_id: Mapped[int] = mapped_column(ForeignKey("dl_dids.id", ondelete="CASCADE"), index=True)
    rse_expression: Mapped[str] = mapped_column(Text)
    copies: Mapped[int] = mapped_column(Integer, default=1)
    grouping: Mapped[str] = mapped_column(String(10), default="DATASET")
    state: Mapped[str] = mapped_column(String(20), index=True)  # OK, REPLICATING, STUCK
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    locks_ok_cnt: Mapped[int] = mapped_column(Integer, default=0)
    locks_replicating_cnt: Mapped[int] = mapped_column(Integer, default=0)
    locks_stuck_cnt: Mapped[int] = mapped_column(Integer, default=0)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    purge_replicas: Mapped[bool] = mapped_column(Boolean, default=False)
    activity: Mapped[str] = mapped_column(String(50), default="User Subscriptions")
    source_replica_expression: Mapped[str | None] = mapped_column(Text, nullable=True)
    comments: Mapped[str | None] = mapped_column(Text, nullable=True)
    weight: Mapped[str | None] = mapped_column(String(255), nullable=True)
    notification: Mapped[str] = mapped_column(String(10), default="NO")
    priority: Mapped[int] = mapped_column(Integer, default=3)
    meta: Mapped[Any] = mapped_column(JSON, nullable=True)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    stuck_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class LockRow(Base):
    """A rule's claim on one file at one RSE; the replica it protects is not deleted while it exists."""

    __tablename__ = "dl_locks"
    __table_args__ = (UniqueConstraint("rule_id", "did_id", "rse_id", name="uq_dl_locks"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule_id: Mapped[str] = mapped_column(ForeignKey("dl_rules.id", ondelete="CASCADE"), index=True)
    did_id: Mapped[int] = mapped_column(ForeignKey("dl_dids.id", ondelete="CASCADE"), index=True)
    rse_id: Mapped[str] = mapped_column(ForeignKey("dl_rses.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(12), index=True)  # OK, REPLICATING, STUCK
    bytes: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class TransferRow(Base):
    """A copy of one file to one RSE that the transfer agent owes; retried with backoff until done."""

    __tablename__ = "dl_transfers"
    __table_args__ = (UniqueConstraint("did_id", "dest_rse_id", name="uq_dl_transfers"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    did_id: Mapped[int] = mapped_column(ForeignKey("dl_dids.id", ondelete="CASCADE"), index=True)
    dest_rse_id: Mapped[str] = mapped_column(ForeignKey("dl_rses.id", ondelete="CASCADE"), index=True)
    source_rse_id: Mapped[str | None] = mapped_column(ForeignKey("dl_rses.id", ondelete="SET NULL"), nullable=True)
    state: Mapped[str] = mapped_column(String(12), index=True)  # QUEUED, ACTIVE, DONE, FAILED
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
