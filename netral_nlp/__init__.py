"""netral_nlp: find political campaign content in Indonesian social-media posts and flag civil
servants (ASN) whose activity likely breaks the neutrality rules.

>>> import netral_nlp
>>> netral_nlp.normalize("Ayo coblos 02!!! #2019GantiPresiden")
'ayo coblos 02! 2019 ganti presiden'
"""

from __future__ import annotations

from netral_nlp.elections import ElectionConfig, available_elections, load_election
from netral_nlp.text.normalize import Normalizer, normalize

__version__ = "0.1.0"

__all__ = ["ElectionConfig", "Normalizer", "__version__", "available_elections", "load_election", "normalize"]
