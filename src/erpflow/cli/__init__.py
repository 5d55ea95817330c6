"""erpflow's command line. Commands that run no flow never import Prefect.

Each module registers its commands on the one ``app``, in the order they are listed.
"""

from . import waves  # noqa: F401, I001  (wave commands first)
from . import anomalies, audit, deploy, gates, replay, reports  # noqa: F401
from .common import app

__all__ = ["app"]
