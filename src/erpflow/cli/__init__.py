"""erpflow's command line. Commands that run no flow never import Prefect.

Each module registers its commands on the one ``app``.
"""

from . import anomalies, waves  # noqa: F401  (register their commands)
from .common import app

__all__ = ["app"]
