"""Audit: a hash chain over the event log with sealed checkpoints, its verification, exports, pinned inputs."""
