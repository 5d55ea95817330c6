"""The steering-committee report of a wave, as Markdown (Prefect artifact, terminal) and as one HTML file.

Rendering only: the figures come from projections.report; Markdown and HTML escape every value.
May import model and projections; never the store directly, the targets or Prefect.
"""
