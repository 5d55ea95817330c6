"""Pure domain model: aggregates, events, errors, deterministic ids. No I/O."""
