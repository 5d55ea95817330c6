"""One module per operation of the cycle."""
