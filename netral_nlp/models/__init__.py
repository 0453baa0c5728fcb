"""Classifiers behind one interface, and ``load_model`` to get one by name or path."""

from __future__ import annotations

from pathlib import Path

from netral_nlp.models.base import LABELS, TextClassifier
from netral_nlp.models.validation import ModelFolderMissingError, check_model_folder, loading, user_election

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
        # Everything loading will use is checked first (netral_nlp.models.validation).
        with user_election(election), loading(path):
            if check_model_folder(path) == "linear":
                from netral_nlp.models.linear import LinearClassifier

                model: TextClassifier = LinearClassifier.from_pretrained(path)
            else:
                from netral_nlp.models.transformer import TransformerClassifier

                model = TransformerClassifier.from_pretrained(path)
    elif name_or_path is None:
        raise ModelFolderMissingError(f"the shipped default model is missing at {path}; reinstall from a source checkout", code="E401")
    elif Path(name_or_path).suffix or str(name_or_path).startswith((".", "/", "~")):
        raise ModelFolderMissingError(f"no model folder at {name_or_path}", code="E401")
    else:
        from netral_nlp.models.transformer import TransformerClassifier

        with loading(name_or_path):
            model = TransformerClassifier.from_pretrained(str(name_or_path))
    if election is not None:
        model.set_election(election)
    return model
