"""Operator tooling for trading-dr (deploy.py)."""

__version__ = "0.12.0"
