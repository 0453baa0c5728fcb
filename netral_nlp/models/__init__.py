"""Classifiers behind one interface, chosen by kind from one registry, and ``load_model``.

>>> from netral_nlp.models import load_model
>>> model = load_model()            # the shipped default                    # doctest: +SKIP
>>> fast = load_model("fast")       # the distilled model for millions of posts   # doctest: +SKIP
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from netral_nlp.elections import load_election
from netral_nlp.labels import LABELS
from netral_nlp.models.base import TextClassifier
from netral_nlp.models.registry import MODEL_KINDS, SHIPPED_MODELS, model_class, register_model_kind
from netral_nlp.models.validation import ModelFolderMissingError, check_model_folder, loading, user_election

__all__ = [
    "DEFAULT_MODEL_DIR",
    "DEFAULT_MODEL_ENV",
    "LABELS",
    "MODELS_DIR",
    "MODEL_KINDS",
    "SHIPPED_MODELS",
    "TextClassifier",
    "load_model",
    "model_class",
    "register_model_kind",
    "resolve_model",
]

#: Where the shipped models live, inside the source checkout.
MODELS_DIR = Path(__file__).resolve().parents[2] / "models"
#: The shipped default model (``load_model()`` with no name).
DEFAULT_MODEL_DIR = MODELS_DIR / SHIPPED_MODELS["default"]
#: Environment variable naming the model used where none is given (a shipped name or a folder),
#: for every command and call in the process and its workers: ``NETRAL_DEFAULT_MODEL=fast``.
DEFAULT_MODEL_ENV = "NETRAL_DEFAULT_MODEL"

#: A Hugging Face hub id: ``name`` or ``org/name``, no path syntax.
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*(/[\w.-]+)?$")


def resolve_model(name_or_path: str | Path | None) -> tuple[str, str | Path]:
    """Where a model name points: ``("folder", path)`` for a shipped name or an existing folder,
    ``("hub", id)`` for a plausible hub id. Anything else is an error at once, without a hub call.

    >>> resolve_model("linear")[0], resolve_model("indolem/indobertweet-base-uncased")
    ('folder', ('hub', 'indolem/indobertweet-base-uncased'))
    """
    if name_or_path is None:
        name_or_path = os.environ.get(DEFAULT_MODEL_ENV) or "default"
    if str(name_or_path) in SHIPPED_MODELS:
        name = SHIPPED_MODELS[str(name_or_path)]
        folder = MODELS_DIR / name
        if not folder.is_dir():
            raise ModelFolderMissingError(f"the shipped model {name!r} is missing at {folder}; reinstall from a source checkout")
        return "folder", folder
    path = Path(name_or_path).expanduser()
    if path.is_dir():
        return "folder", path
    text = str(name_or_path)
    if path.exists():
        raise ModelFolderMissingError(f"{text} is a file, not a model folder")
    if _HUB_ID.match(text) and ".." not in text and "/" in text:
        return "hub", text
    raise ModelFolderMissingError(
        f"no model folder at {text}, and it is not a Hugging Face hub id (org/name); shipped models: {', '.join(sorted(SHIPPED_MODELS))}"
    )


def load_model(name_or_path: str | Path | None = None, *, election: str | Path | None = None) -> TextClassifier:
    """Load a classifier.

    ``None`` (or ``"default"``) gives the shipped default model, offline, right after install
    (``None`` gives the model named by the ``NETRAL_DEFAULT_MODEL`` environment variable instead,
    where it is set);
    the other shipped names are listed in :data:`SHIPPED_MODELS` (``"fast"``: the distilled model
    for millions of posts, ``"cascade"``: the fast model where it is sure and the default
    elsewhere, ``"linear"``: the TF-IDF baseline). A folder gives a saved model of any
    kind (its ``netral_config.json`` says which; a plain Hugging Face folder is a transformer); a
    Hugging Face hub id gives a sequence-classification model from the hub (needs the hub).
    ``election`` re-targets the contestant masking of a model trained with masking to that
    election (role tokens are the same for every election, so such a model applies to any
    election's masking). A model trained without masking keeps classifying the raw names: for it
    the election only says whose mentions batch prediction and scoring report (it is checked
    here all the same).

    >>> model = load_model()                                    # doctest: +SKIP
    >>> model.predict("Ayo coblos 02! #2019GantiPresiden")      # doctest: +SKIP
    'campaign'
    """
    where, target = resolve_model(name_or_path)
    with user_election(election), loading(target):
        if where == "hub":
            model = model_class("transformer").from_pretrained(target)
        else:
            # everything loading will use is checked first (netral_nlp.models.validation)
            model = model_class(check_model_folder(target)).from_pretrained(target)
    model.name = "default" if name_or_path is None else str(name_or_path)
    if election is not None:
        if model.election is not None:
            model.set_election(election)
        else:
            load_election(election)  # a typo is still an error (E120), even where it changes nothing
    return model
