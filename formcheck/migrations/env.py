"""Alembic environment: formcheck always runs migrations on a connection it opened itself
(formcheck.store.upgrade), inside that connection's transaction and lock."""

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite")
with context.begin_transaction():
    context.run_migrations()
