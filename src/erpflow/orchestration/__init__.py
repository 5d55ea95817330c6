"""Prefect: the wave's flow and tasks, the approval flow, artifacts, the event mirror, a local server.

The only package that imports Prefect (and only when a flow runs); it calls the application's use cases.
May import everything below it: application, inputs, operations, projections, reports, targets.
"""
