"""The call store: every call's journey and every message a caller leaves, kept in a real database.

SQLite by default (one file, WAL), PostgreSQL when ``DATABASE_URL`` says so; SQLAlchemy Core and
Alembic migrations shipped in ``ivr/store/migrations``. A webhook hands its events to the
``Recorder``, which makes them durable in a local spool before the caller is answered and
forwards them to the database in the background (``ivr.store.spool``, ``ivr.store.forwarder``),
so a slow or unreachable database never delays a caller and an acknowledged event is never lost.
Knows no Flask: the web layer calls it, the commands read it.
"""
