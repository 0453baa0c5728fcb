"""The linear model: training, calibration, the one interface, safe save/load, speed of load."""

from __future__ import annotations

import json

import numpy as np
import pytest

from netral_nlp.data import load_corpus
from netral_nlp.evaluation import evaluate_predictions
from netral_nlp.models import LABELS, load_model
from netral_nlp.models.linear import LinearClassifier
from netral_nlp.text.normalize import Normalizer


@pytest.fixture(scope="module")
def small_model() -> LinearClassifier:
    tr = load_corpus("train", as_pandas=True).sample(1500, random_state=0)
    dv = load_corpus("dev", as_pandas=True)
    clf = LinearClassifier(normalizer=Normalizer("linear", election="pilpres-2019"), C=1.0).fit(tr["text"].tolist(), tr["label"].tolist())
    clf.calibrate(dv["text"].tolist(), dv["label"].tolist(), campaign_precision=0.85)
    return clf


def test_interface_shapes_and_single_string(small_model: LinearClassifier) -> None:
    p = small_model.predict_proba(["Ayo coblos 02!", "Bakso ini enak sekali"])
    assert p.shape == (2, 3) and np.allclose(p.sum(axis=1), 1.0)
    assert small_model.predict_proba("Ayo coblos 02!").shape == (3,)
    assert isinstance(small_model.predict("Ayo coblos 02!"), str)
    assert small_model.labels == list(LABELS)
    assert small_model.predict_proba([]).shape == (0, 3)
    assert small_model.predict([]) == []
    with pytest.raises(TypeError, match="position 1"):
        small_model.predict_proba(["ok", None])  # type: ignore[list-item]


def test_beats_chance_on_real_test_posts(small_model: LinearClassifier) -> None:
    te = load_corpus("test", as_pandas=True)
    thr, small_model.campaign_threshold = small_model.campaign_threshold, None
    try:
        m = evaluate_predictions(small_model, te["text"].tolist(), te["label"].tolist())
    finally:
        small_model.campaign_threshold = thr
    assert m["macro_f1"] > 0.65  # majority class alone gives about 0.19
    assert m["ece"] < 0.1


def test_calibration_keeps_ranking_and_threshold_raises_precision(small_model: LinearClassifier) -> None:
    dv = load_corpus("dev", as_pandas=True)
    texts, labels = dv["text"].tolist(), dv["label"].tolist()
    t = small_model.temperature
    assert 0.2 <= t <= 5.0
    # predict is the argmax until the precision operating point is asked for
    assert small_model.precision_threshold is not None and small_model.operating_point == "argmax"
    plain = evaluate_predictions(small_model, texts, labels)
    small_model.use_operating_point("precision")
    try:
        assert small_model.campaign_threshold == small_model.precision_threshold
        strict = evaluate_predictions(small_model, texts, labels)
    finally:
        small_model.use_operating_point("argmax")
    assert strict["campaign_precision"] >= min(0.85, plain["campaign_precision"]) - 1e-9
    assert plain["at_precision_threshold"]["campaign_precision"] == pytest.approx(strict["campaign_precision"])
    with pytest.raises(ValueError, match="operating point"):
        small_model.use_operating_point("recall")


def test_save_load_identical_and_no_pickle(small_model: LinearClassifier, tmp_path) -> None:
    small_model.save_pretrained(tmp_path)
    files = {p.name for p in tmp_path.iterdir()}
    assert files == {"model.safetensors", "vocab_word.json", "vocab_char.json", "netral_config.json"}
    for p in tmp_path.iterdir():
        assert not p.read_bytes().startswith(b"\x80"), f"{p.name} looks like a pickle"
    texts = load_corpus("test", as_pandas=True)["text"].tolist()[:200]
    loaded = load_model(tmp_path)
    assert isinstance(loaded, LinearClassifier)
    np.testing.assert_allclose(loaded.predict_proba(texts), small_model.predict_proba(texts), rtol=1e-6, atol=1e-7)
    assert loaded.predict(texts) == small_model.predict(texts)
    meta = json.loads((tmp_path / "netral_config.json").read_text())
    assert meta["kind"] == "linear" and meta["normalizer"]["election"] == "pilpres-2019"


def test_set_election_retargets_masking(small_model: LinearClassifier) -> None:
    text = "Dukung Prabowo-Gibran, coblos 02!"
    assert "[PASLON]" not in small_model.normalizer(text)
    small_model.set_election("pemilu-2024")
    try:
        assert small_model.normalizer(text).startswith("dukung [PASLON]")
        assert small_model.election == "pemilu-2024"
    finally:
        small_model.set_election("pilpres-2019")


def test_shipped_default_loads_offline_and_classifies() -> None:
    model = load_model("linear")
    assert model.kind == "linear" and model.election == "pilpres-2019"
    out = model.predict(
        [
            "Ayo menangkan Jokowi dua periode! #JokowiLagi",
            "Nasi goreng di warung ini enak dan murah",
            "KPU menetapkan jadwal pemungutan suara pada 17 April 2019",
        ]
    )
    assert out == ["campaign", "non_political", "political_neutral"]
    card = (model.metadata.get("metrics") or {}).get("test")
    assert card and card["macro_f1"] > 0.7


def test_unknown_label_and_untrained_errors() -> None:
    with pytest.raises(ValueError, match="unknown labels"):
        LinearClassifier().fit(["a", "b"], ["campaign", "spam"])
    with pytest.raises(RuntimeError, match="not trained"):
        LinearClassifier().predict_proba(["a"])
