"""Reconciliation: the staged core on arrays, one module per family of methods, truth discovery,
pooling, timelines and checks between quantities.

Depends on :mod:`estimates.ledger` and below; nothing below depends on it.
"""
