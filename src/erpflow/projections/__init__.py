"""Read models built from the events: status, history, items, anomalies, gate facts, report, trajectory.

Rebuilt from the events at any time; they never write to the targets.
May import model, inputs, store and the application's ledger for reading; never Prefect.
"""
