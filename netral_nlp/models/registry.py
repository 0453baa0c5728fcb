"""The registry of model kinds: the ``kind`` of a saved ``netral_config.json`` -> its class.

Kept apart from :mod:`netral_nlp.models` so that the folder checks (``models.validation``) can read
it without importing the package that uses them.

>>> model_class("linear").__name__
'LinearClassifier'
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from netral_nlp.errors import ModelError

if TYPE_CHECKING:
    from netral_nlp.models.base import TextClassifier

__all__ = ["MODEL_KINDS", "SHIPPED_MODELS", "model_class", "register_model_kind"]

#: Names of the shipped models -> their folder in ``netral_nlp.models.MODELS_DIR`` (here, so that
#: the folder checks can read the names without importing the package).
SHIPPED_MODELS: dict[str, str] = {
    "default": "netral-e5-small",
    "fast": "netral-fast",
    "cascade": "netral-cascade",
    "linear": "netral-linear",
}

#: Model kinds (the ``kind`` of a saved ``netral_config.json``) -> ``module:Class``, imported on
#: first use so that loading one kind never imports the others' dependencies.
MODEL_KINDS: dict[str, str] = {
    "linear": "netral_nlp.models.linear:LinearClassifier",
    "transformer": "netral_nlp.models.transformer:TransformerClassifier",
    "static": "netral_nlp.models.static:StaticClassifier",
    "cascade": "netral_nlp.models.cascade:CascadeClassifier",
}


def register_model_kind(kind: str, target: str | type[TextClassifier]) -> None:
    """Make ``kind`` loadable: ``target`` is a :class:`TextClassifier` subclass or ``"module:Class"``."""
    MODEL_KINDS[kind] = target if isinstance(target, str) else f"{target.__module__}:{target.__qualname__}"


def model_class(kind: str) -> type[TextClassifier]:
    """The classifier class of a model kind (``linear``, ``transformer``, ...)."""
    try:
        module, _, name = MODEL_KINDS[kind].partition(":")
    except KeyError:
        raise ModelError(f"unknown model kind {kind!r}; known kinds: {', '.join(sorted(MODEL_KINDS))}", code="E403") from None
    cls = getattr(importlib.import_module(module), name)
    return cls  # type: ignore[no-any-return]
