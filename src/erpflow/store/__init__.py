"""The event store's own side: where it lives (SQLite or PostgreSQL), erpflow's tables beside the events.

Adapters to eventsourcing's persistence: recorders, the hash chain table, plain SQL on the same database.
May import the settings and eventsourcing; never the application, the targets or Prefect.
"""
