"""netral_nlp: find political campaign content in Indonesian social-media posts and flag civil
servants (ASN) whose activity likely breaks the neutrality rules.

>>> import netral_nlp
>>> netral_nlp.normalize("Ayo coblos 02!!! #2019GantiPresiden")
'ayo coblos 02! 2019 ganti presiden'

Heavier entry points (``load_model``, ``score``, ``Assessments``) are imported on first use, so
that ``import netral_nlp`` stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from netral_nlp.elections import ElectionConfig, available_elections, load_election
from netral_nlp.text.normalize import Normalizer, normalize

if TYPE_CHECKING:
    from netral_nlp.models import load_model
    from netral_nlp.scoring import Assessments, score

__version__ = "0.1.0"

__all__ = [
    "Assessments",
    "ElectionConfig",
    "Normalizer",
    "__version__",
    "available_elections",
    "load_election",
    "load_model",
    "normalize",
    "score",
]

_LAZY = {"load_model": "netral_nlp.models", "score": "netral_nlp.scoring", "Assessments": "netral_nlp.scoring"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'netral_nlp' has no attribute {name!r}")
