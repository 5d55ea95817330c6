"""Pure domain model: aggregates and their events (Wave, Runs, GateDecisions, Attendance, Batch, Anomaly),
vocabulary (enums), errors, deterministic ids, pure rules.

No I/O: nothing here reads a file, the clock of a process, the store or a target.
May import eventsourcing.domain and the standard library only.
"""
