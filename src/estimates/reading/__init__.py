"""Reading: words become values.

The number reader (:mod:`~estimates.reading.parsing`), conventions for vague words (data in
``estimates/data/conventions``), and estimative language and source grades
(:mod:`~estimates.reading.likelihood`), and the words around a figure in running text: dates
(:mod:`~estimates.reading.textdates`) and speakers, relays, quotations and hedges
(:mod:`~estimates.reading.attribution`). Depends only on :mod:`estimates.values`. Figures found in
running text become claims in :mod:`estimates.ledger.extract`.
"""
