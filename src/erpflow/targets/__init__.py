"""Adapters to real systems."""
