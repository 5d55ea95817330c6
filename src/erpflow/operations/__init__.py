"""One module per operation of the cycle: how it turns a plan into batches, sends a batch, looks items up.

Operations build plain item specs (model.items) from validated inputs and talk to targets through ports.
May import model, inputs and the targets' ports; never the store or Prefect.
"""
