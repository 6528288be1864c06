"""Values: what a figure is, with nothing about where it came from or how it was read.

``Range`` (low, best, high, open or closed ends, a unit), units (one pint registry), dates and
periods, sources and their aliases, and the HTML each value shows in a notebook. This layer
imports nothing else from the package except :mod:`estimates.errors`.
"""
