"""The compound view's tokenizer under the import path every index's schema names it by.

The view lives in `search.views.compound`; see `analysis.tokenizer.pickled_as`.
"""

from .views.compound import CompoundTokenizer  # noqa: F401
