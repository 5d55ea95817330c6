"""What integrators write and customers export: the wave plan, the method (domain/), CSV/XLSX sources, YAML.

Everything here validates its input and names file, line and field on error; nothing here writes anywhere.
May import model and the standard parsers; never the store, the targets or Prefect.
"""
