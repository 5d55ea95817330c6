"""Audit: the hash chain over the event log (written with each event), its verification, exports, pinned inputs.

What an auditor checks: the store against its chain, exports against their manifest, inputs against digests.
May import model, store and the application's ledger; never the targets or Prefect.
"""
