"""Use cases: get an aggregate, command it, save it; the only code that saves aggregates or builds a Context.

Holds the ledger (erpflow's eventsourcing Application), running batches, anomalies, gates, attendance.
May import model, inputs, operations, store and targets' ports; never Prefect, typer or rich.
"""
