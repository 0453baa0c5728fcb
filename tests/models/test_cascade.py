"""The cascade: the fast model answers the posts it is sure of, the default model the rest."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from netral_nlp.errors import ModelError
from netral_nlp.models import DEFAULT_MODEL_ENV, MODELS_DIR, SHIPPED_MODELS, load_model

pytest.importorskip("onnxruntime")
if not all((MODELS_DIR / SHIPPED_MODELS[n] / "netral_config.json").is_file() for n in ("default", "fast", "cascade")):
    pytest.skip("the shipped models are missing", allow_module_level=True)

from netral_nlp.models.cascade import CascadeClassifier


@pytest.fixture(autouse=True)
def _the_real_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DEFAULT_MODEL_ENV, raising=False)


@pytest.fixture(scope="module")
def models():
    return load_model("fast"), load_model("default")


@pytest.fixture(scope="module")
def texts() -> list[str]:
    from netral_nlp.data import load_corpus

    return load_corpus("test", as_pandas=True)["text"].sample(n=120, random_state=5).tolist()


def test_each_post_is_answered_by_the_fast_model_when_sure_else_by_the_default(models, texts) -> None:
    fast, default = models
    cascade = CascadeClassifier(fast, default, confidence=0.7)
    p_fast = fast.predict_proba(texts)
    sure = p_fast.max(1) >= 0.7
    assert 0 < sure.sum() < len(texts)  # both paths are taken on these posts
    # the default model reads exactly the unsure posts (its int8 scores depend a little on the
    # other posts of a batch, so they are compared on the same batch)
    p_default = default.predict_proba([t for t, s in zip(texts, sure, strict=True) if not s])
    proba, by_second = cascade.route(cascade.normalize(texts))
    np.testing.assert_array_equal(by_second, ~sure)
    np.testing.assert_allclose(proba[sure], p_fast[sure], atol=1e-6)
    np.testing.assert_allclose(proba[~sure], p_default, atol=1e-6)
    assert cascade.predict(texts) == [cascade.labels[i] for i in proba.argmax(1)]


def test_tuning_picks_the_fewest_posts_for_the_slow_model_within_the_allowed_loss(models, texts) -> None:
    fast, default = models
    gold = default.predict(texts)  # the default model's own labels: it alone scores 1.0 on them
    strict = CascadeClassifier.tune(fast, default, texts, gold, max_loss=0.0, names=("fast", "default"))
    loose = CascadeClassifier.tune(fast, default, texts, gold, max_loss=0.3, names=("fast", "default"))
    assert strict.confidence >= loose.confidence
    assert strict.metadata["tuning"]["macro_f1"] >= 0.99
    assert loose.metadata["tuning"]["sent_to_second"] <= strict.metadata["tuning"]["sent_to_second"]
    assert loose.metadata["tuning"]["macro_f1"] >= 0.7


def test_the_shipped_cascade_loads_by_name_and_round_trips(models, texts, tmp_path: Path) -> None:
    shipped = load_model("cascade")
    assert isinstance(shipped, CascadeClassifier) and shipped.names == ("fast", "default")
    assert 0.5 <= shipped.confidence < 1.0 and shipped.precision_threshold is not None
    shipped.save_pretrained(tmp_path / "c")
    again = load_model(tmp_path / "c")
    np.testing.assert_allclose(again.predict_proba(texts[:30]), shipped.predict_proba(texts[:30]))
    shipped.use_operating_point("precision")
    assert shipped.operating_point == "precision"


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"first": "../netral-fast"}, "shipped models only"),
        ({"second": "cascade"}, "shipped models only"),
        ({"confidence": None}, "needs the field"),
        ({"confidence": 1.5}, "confidence"),
    ],
)
def test_a_cascade_names_shipped_models_only(tmp_path: Path, change: dict, match: str) -> None:
    folder = tmp_path / "c"
    folder.mkdir()
    config = json.loads((MODELS_DIR / SHIPPED_MODELS["cascade"] / "netral_config.json").read_text(encoding="utf-8"))
    config.update(change)
    (folder / "netral_config.json").write_text(json.dumps(config), encoding="utf-8")
    with pytest.raises(ModelError, match=match) as err:
        load_model(folder)
    assert err.value.code == "E403"


def test_models_that_normalise_differently_cannot_be_chained(models) -> None:
    fast, _ = models
    with pytest.raises(ModelError, match="normalise posts alike"):
        CascadeClassifier(load_model("linear"), fast, confidence=0.6)
