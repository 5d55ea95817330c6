"""Adapters to the real systems a wave writes to: Tryton (embedded or server), SCIM, SMTP or an outbox.

Each answers one ItemOutcome per item and is idempotent by natural key; credentials come from settings.
May import model and settings; never the store, the application or Prefect (but for credential blocks).
"""
