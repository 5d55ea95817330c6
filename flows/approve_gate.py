"""Prefect entrypoint: flows/approve_gate.py:approve_gate (parameter: the wave's name)."""

from erpflow.orchestration.approval import approve_gate

__all__ = ["approve_gate"]

if __name__ == "__main__":
    import sys

    approve_gate(sys.argv[1])
