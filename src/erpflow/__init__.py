"""erpflow."""
