"""Use cases: get an aggregate, command it, save it; the only code that saves aggregates or builds a Context.

Holds the ledger (erpflow's eventsourcing Application); runs and batches (engine), anomalies, gates, attendance;
a wave read with its own streams (waves).
May import model, inputs, operations, store and targets' ports; never Prefect, typer or rich.
"""
