"""The label set, shared by data, models, training, evaluation and scoring.

>>> from netral_nlp.labels import LABELS, CAMPAIGN
>>> LABELS.index(CAMPAIGN)
0
"""

from __future__ import annotations

__all__ = ["CAMPAIGN", "LABELS"]

#: The classes, in the column order of ``predict_proba``.
LABELS: tuple[str, ...] = ("campaign", "political_neutral", "non_political")
#: The class that the scoring API treats as evidence of taking a side.
CAMPAIGN = "campaign"
