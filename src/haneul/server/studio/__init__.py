"""CLOVA Studio-compatible tuning routes."""
