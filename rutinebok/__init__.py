"""Rutinebok: collaboration routines kept as data, checked, and rendered."""

__version__ = "0.1.0"
