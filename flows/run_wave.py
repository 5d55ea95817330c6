"""Prefect entrypoint: flows/run_wave.py:run_wave (parameter: the plan path)."""

from erpflow.orchestration.flows import run_wave

__all__ = ["run_wave"]

if __name__ == "__main__":
    import sys

    run_wave(sys.argv[1])
