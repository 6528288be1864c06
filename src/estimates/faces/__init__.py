"""Faces: the ways people and pipelines reach the library — the command line, plots and the
pandas accessor. Everything here sits on top of :mod:`estimates.reconciliation`.
"""
