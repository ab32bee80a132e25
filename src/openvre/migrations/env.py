"""Alembic environment: openvre passes the connection in; migrations never open their own."""

from alembic import context

import openvre.datalake._tables
import openvre.identity._tables
import openvre.repository._tables
import openvre.workflows._tables  # noqa: F401 - importing registers each package's tables
from openvre.db import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
