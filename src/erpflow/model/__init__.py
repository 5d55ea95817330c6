"""Pure domain model: aggregates and their events, vocabulary, errors, deterministic ids, pure rules.

No I/O: nothing here reads a file, the clock of a process, the store or a target.
May import eventsourcing.domain and the standard library only.
"""
