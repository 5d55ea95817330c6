"""The steering-committee report of a wave, as Markdown (Prefect artifact, terminal) and as one HTML file."""
