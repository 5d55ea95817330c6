"""erpflow's command line (typer): thin commands calling use cases; errors caught at the boundary.

Commands that run no flow never import Prefect. May import every package.

Each module registers its commands on the one ``app``, in the order they are listed.
"""

from erpflow.cli import waves  # noqa: F401, I001  (wave commands first)
from erpflow.cli import anomalies, audit, deploy, gates, replay, reports, steps  # noqa: F401
from erpflow.cli import inspect  # noqa: F401
from erpflow.cli.common import app

__all__ = ["app"]
