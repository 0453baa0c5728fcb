"""Classifiers behind one interface, and ``load_model`` to get one by name or path."""

from __future__ import annotations

import json
from pathlib import Path

from netral_nlp.models.base import LABELS, META_FILE, TextClassifier

__all__ = ["DEFAULT_MODEL_DIR", "LABELS", "TextClassifier", "load_model"]

#: The shipped default model, inside the source checkout.
DEFAULT_MODEL_DIR = Path(__file__).resolve().parents[2] / "models" / "netral-linear"


def load_model(name_or_path: str | Path | None = None, *, election: str | None = None) -> TextClassifier:
    """Load a classifier.

    ``None`` gives the shipped default (``models/netral-linear``, offline, right after install);
    a folder gives a saved model of either kind; any other string is taken as a Hugging Face hub
    id of a sequence-classification model (needs the hub to be reachable). ``election`` re-targets
    contestant masking (role tokens are the same for every election, so a model trained on one
    election's masking applies to another's).

    >>> model = load_model()                                    # doctest: +SKIP
    >>> model.predict("Ayo coblos 02! #2019GantiPresiden")      # doctest: +SKIP
    'campaign'
    """
    path = Path(name_or_path) if name_or_path is not None else DEFAULT_MODEL_DIR
    if path.is_dir():
        meta_file = path / META_FILE
        kind = json.loads(meta_file.read_text())["kind"] if meta_file.exists() else "transformer"
        if kind == "linear":
            from netral_nlp.models.linear import LinearClassifier

            model: TextClassifier = LinearClassifier.from_pretrained(path)
        else:
            from netral_nlp.models.transformer import TransformerClassifier

            model = TransformerClassifier.from_pretrained(path)
    elif name_or_path is None:
        raise FileNotFoundError(f"the shipped default model is missing at {path}; reinstall from a source checkout")
    elif Path(name_or_path).suffix or str(name_or_path).startswith((".", "/", "~")):
        raise FileNotFoundError(f"no model folder at {name_or_path}")
    else:
        from netral_nlp.models.transformer import TransformerClassifier

        model = TransformerClassifier.from_pretrained(str(name_or_path))
    if election is not None:
        model.set_election(election)
    return model
