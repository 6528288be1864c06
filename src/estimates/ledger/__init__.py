"""The ledger: claims (a figure with its source, relays and dates) and the columnar table that
holds them, with its file formats.

Depends on :mod:`estimates.reading` (a claim given as words is read) and :mod:`estimates.values`.
"""
