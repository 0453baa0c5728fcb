"""Hostile and broken model folders: a config that gives NaN probabilities, makes scikit-learn read
a file or names a system file as the election; truncated or pickle-only weights; wrong types.
Each is refused with one coded error (``E40x``) before anything in the folder is used."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hostile_helpers import SAMPLE_POSTS

from netral_nlp.batch import predict_file
from netral_nlp.errors import ModelError
from netral_nlp.models import MODELS_DIR, SHIPPED_MODELS, load_model
from netral_nlp.models.validation import check_model_folder
from netral_nlp.scoring import score

LINEAR_MODEL_DIR = MODELS_DIR / SHIPPED_MODELS["linear"]

CAMPAIGN = "Ayo menangkan Jokowi dua periode! coblos 01"


@pytest.fixture
def linear_copy(tmp_path: Path) -> Path:
    """A copy of the shipped linear model to break."""
    if not (LINEAR_MODEL_DIR / "netral_config.json").is_file():
        pytest.skip("the shipped model is missing")
    folder = tmp_path / "model"
    shutil.copytree(LINEAR_MODEL_DIR, folder)
    return folder


def _edit_config(folder: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    file = folder / "netral_config.json"
    config = json.loads(file.read_text(encoding="utf-8"))
    change(config)
    file.write_text(json.dumps(config), encoding="utf-8")
    return folder


def _refused(folder: Path, code: str, match: str, **kwargs: Any) -> ModelError:
    with pytest.raises(ModelError, match=match) as err:
        load_model(folder, **kwargs)
    assert err.value.code == code, err.value
    assert len(str(err.value)) < 700
    return err.value


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(config: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node = config
        for key in parents:
            node = node[key]
        node[last] = value

    return change


def _drop(key: str) -> Callable[[dict[str, Any]], None]:
    return lambda config: config.pop(key)


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (_set("temperature", 0), r"field 'temperature': Input should be greater than 0, got 0"),
        (_set("temperature", -1.5), r"field 'temperature'"),
        (_set("temperature", "1.0"), r"field 'temperature': Input should be a valid number, got '1.0'"),
        (_set("campaign_threshold", 1.7), r"field 'campaign_threshold'"),
        (_set("kind", "svm"), r"field 'kind': unknown model kind 'svm'"),
        (_set("labels", ["campaign", "other", "non_political"]), r"field 'labels': expected the labels"),
        (_set("labels", "campaign"), r"field 'labels'"),
        (_drop("labels"), r"field 'labels': Field required"),
        (_drop("features"), r"a linear model needs the field\(s\) \['features'\]"),
        (_drop("normalizer"), r"field 'normalizer': Field required"),
        (_set("features.word.input", "filename"), r"field 'features.word.input': Extra inputs are not permitted"),
        (_set("features.word.preprocessor", "os.system"), r"field 'features.word.preprocessor'"),
        (_set("features.char.ngram_range", [1, 1000]), r"field 'features.char.ngram_range.1'"),
        (_set("features.char.ngram_range", [5, 3]), r"ngram_range \[5, 3\]"),
        (_set("features.word.token_pattern", "(unclosed"), r"token_pattern is not a regular expression"),
        (_set("features.word.token_pattern", r"(\w)(\w)"), r"2 capturing groups"),
        (_set("features.word.min_df", True), r"field 'features.word.min_df'"),
        (_set("C", "big"), r"field 'C'"),
        (_set("normalizer.election", "../../../../etc/passwd"), r"'../../../../etc/passwd' is not a shipped election"),
        (_set("normalizer.preset", "bert"), r"field 'normalizer.preset'"),
        (_set("normalizer.slang_file", "/etc/passwd"), r"field 'normalizer.slang_file': Extra inputs are not permitted"),
        (_set("batch_size", 0), r"field 'batch_size'"),
    ],
    ids=[
        "temperature-0",
        "temperature-negative",
        "temperature-string",
        "threshold-above-1",
        "unknown-kind",
        "foreign-label",
        "labels-a-string",
        "labels-missing",
        "features-missing",
        "normalizer-missing",
        "sklearn-input-filename",
        "sklearn-preprocessor",
        "ngram-1000",
        "ngram-reversed",
        "bad-regex",
        "regex-two-groups",
        "min_df-bool",
        "C-string",
        "election-path",
        "unknown-preset",
        "slang-file",
        "batch-size-0",
    ],
)
def test_config_field_is_refused(linear_copy, change, match):
    _refused(_edit_config(linear_copy, change), "E403", match)


def test_temperature_zero_never_gives_nan_probabilities(linear_copy, shipped_model):
    # The attack: temperature 0 made every probability NaN, every label political_neutral, exit 0.
    _refused(_edit_config(linear_copy, _set("temperature", 0)), "E403", "temperature")
    model = load_model()
    model.temperature = 0.0
    with pytest.raises(ModelError, match="temperature must be a finite number > 0"):
        model.predict_proba([CAMPAIGN])
    model.temperature = float("nan")
    with pytest.raises(ModelError, match="temperature"):
        model.predict(CAMPAIGN)


def test_nan_literal_in_json_is_refused(linear_copy):
    file = linear_copy / "netral_config.json"
    file.write_text(file.read_text(encoding="utf-8").replace('"temperature": 0.769869960572097', '"temperature": NaN'), encoding="utf-8")
    _refused(linear_copy, "E403", r"field 'temperature': Input should be a finite number")


def test_sklearn_input_setting_never_reads_a_file(linear_copy, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "halo").write_text("rahasia", encoding="utf-8")
    _edit_config(linear_copy, _set("features.word.input", "filename"))
    opened: list[str] = []
    real_open = open

    def spy(file: Any, *args: Any, **kwargs: Any) -> Any:
        opened.append(str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", spy)
    with pytest.raises(ModelError):
        load_model(linear_copy).predict("halo")
    assert "halo" not in opened


def test_a_model_never_names_an_election_file_but_the_user_may(linear_copy, tmp_path):
    election = tmp_path / "pilkada-kota-contoh.yaml"
    template = LINEAR_MODEL_DIR.parents[1] / "netral_nlp" / "resources" / "elections" / "pilkada-2024-template.yaml"
    election.write_text(template.read_text(encoding="utf-8").replace("id: pilkada-2024-template", "id: pilkada-kota-contoh"), "utf-8")
    _edit_config(linear_copy, _set("normalizer.election", str(election)))
    _refused(linear_copy, "E403", r"is not a shipped election.*pass it: load_model\(path, election='my.yaml'\)")
    _edit_config(linear_copy, _set("normalizer.election", "pilkada-kota-contoh"))  # trained on the user's own file
    _refused(linear_copy, "E403", "is not a shipped election")
    model = load_model(linear_copy, election=str(election))  # the user gives the file explicitly
    assert model.election == "pilkada-kota-contoh"
    # ... and so do predict (in this process and in workers' way of loading) and score
    posts = tmp_path / "posts.jsonl"
    posts.write_text('{"id": "1", "text": "Ayo pilih Nama Calon A nomor 1"}\n', encoding="utf-8")
    summary = predict_file(posts, tmp_path / "out.jsonl", model=linear_copy, election=str(election))
    assert summary.rows_written == 1
    assert json.loads((tmp_path / "out.jsonl").read_text(encoding="utf-8"))["contestants"] == ["01"]
    activity = pd.DataFrame([{"account_id": "a", "action": "post", "timestamp": "2024-10-01T10:00:00+07:00", "text": "Pilih nomor 1"}])
    accounts = pd.DataFrame([{"account_id": "a", "asn_status": "pns"}])
    result = score(activity, accounts, model=linear_copy, election=str(election), errors="ignore")
    assert result.evidence.loc[0, "status"] == "ok"


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"{not json", r"netral_config\.json: not valid JSON"),
        (b"[1, 2, 3]", r"expected a JSON object, got list"),
        (b"[" * 100_000 + b"]" * 100_000, r"not valid JSON \(nested too deeply\)"),
        (b"\xff\xfe{}", r"not valid JSON"),
    ],
    ids=["not-json", "json-array", "deep-nesting", "not-utf8"],
)
def test_unreadable_config(linear_copy, content, match):
    (linear_copy / "netral_config.json").write_bytes(content)
    _refused(linear_copy, "E402", match)


def test_missing_config_and_not_a_folder(linear_copy, tmp_path):
    (linear_copy / "netral_config.json").unlink()
    # Without its settings the folder is taken as a plain Hugging Face folder, which it is not.
    _refused(linear_copy, "E405", r"config\.json: missing")
    with pytest.raises(FileNotFoundError):
        load_model(tmp_path / "no-such-model")
    (tmp_path / "file.txt").write_text("x", encoding="utf-8")
    with pytest.raises(ModelError) as err:
        check_model_folder(tmp_path / "file.txt")
    assert err.value.code == "E401"


def test_truncated_weights(linear_copy):
    weights = linear_copy / "model.safetensors"
    data = weights.read_bytes()
    weights.write_bytes(data[: len(data) // 2])
    _refused(linear_copy, "E405", r"model\.safetensors: not a readable safetensors file")
    weights.write_bytes(data[:5])
    _refused(linear_copy, "E405", r"not a readable safetensors file")


def test_weights_that_do_not_fit_the_vocabulary(linear_copy):
    vocab = linear_copy / "vocab_word.json"
    words = json.loads(vocab.read_text(encoding="utf-8"))
    vocab.write_text(json.dumps(words[:-10]), encoding="utf-8")
    _refused(linear_copy, "E405", r"tensor 'coef' has shape \[3, 38126\], expected \[3, 38116\]")
    vocab.write_text(json.dumps({"not": "a list"}), encoding="utf-8")
    _refused(linear_copy, "E405", r"vocab_word\.json: expected a JSON list of strings")


def test_nan_weights(linear_copy):
    from safetensors.numpy import load_file, save_file

    weights = linear_copy / "model.safetensors"
    tensors = load_file(str(weights))
    tensors["intercept"] = np.full_like(tensors["intercept"], np.nan)
    save_file(tensors, str(weights))
    _refused(linear_copy, "E405", r"tensor 'intercept' holds NaN")


def test_pickle_only_linear_weights_are_never_opened(linear_copy):
    (linear_copy / "model.safetensors").rename(linear_copy / "model.pkl")
    _refused(linear_copy, "E404", r"only in a pickle format \(model\.pkl\).*never loaded")


# --- transformer folders ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from netral_nlp.models.tiny import build_tiny_bert

    return build_tiny_bert(tmp_path_factory.mktemp("tiny") / "bert", n_texts=200, vocab_size=300)


@pytest.fixture
def bert_copy(tiny_bert: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "bert"
    shutil.copytree(tiny_bert, folder)
    return folder


def test_a_plain_encoder_folder_loads(bert_copy):
    assert load_model(bert_copy).predict_proba([CAMPAIGN]).shape == (1, 3)


def test_pickle_only_transformer_never_reaches_torch_load(bert_copy, monkeypatch):
    import torch
    from safetensors.torch import load_file

    torch.save(load_file(str(bert_copy / "model.safetensors")), bert_copy / "pytorch_model.bin")
    (bert_copy / "model.safetensors").unlink()

    def forbidden(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("torch.load was called on a model folder")

    monkeypatch.setattr(torch, "load", forbidden)
    _refused(bert_copy, "E404", r"only in a pickle format \(pytorch_model\.bin\)")
    from netral_nlp.models.transformer import TransformerClassifier

    with pytest.raises(OSError, match="safetensors"):  # even straight through the class
        TransformerClassifier.from_pretrained(bert_copy)


@pytest.mark.parametrize(
    ("breaks", "code", "match"),
    [
        (lambda f: (f / "config.json").unlink(), "E405", r"config\.json: missing"),
        (lambda f: (f / "config.json").write_text("{oops", encoding="utf-8"), "E405", r"config\.json: not valid JSON"),
        (lambda f: (f / "tokenizer.json").unlink() or (f / "tokenizer_config.json").unlink(), "E405", "no tokenizer"),
        (
            lambda f: (f / "model.safetensors").write_bytes((f / "model.safetensors").read_bytes()[:1000]),
            "E405",
            "not a readable safetensors file",
        ),
        (lambda f: (f / "model.safetensors").unlink(), "E404", r"no weights"),
        (
            lambda f: (f / "config.json").write_text(
                json.dumps({**json.loads((f / "config.json").read_text()), "hidden_size": "wide"}), encoding="utf-8"
            ),
            "E405",
            "cannot be loaded",
        ),
        (
            lambda f: (f / "netral_config.json").write_text(
                json.dumps({"kind": "transformer", "labels": ["campaign", "political_neutral", "non_political"]}), encoding="utf-8"
            ),
            "E403",
            r"field 'normalizer': Field required",
        ),
    ],
    ids=["no-config", "config-not-json", "no-tokenizer", "truncated-weights", "no-weights", "wrong-typed-config", "config-missing-field"],
)
def test_broken_transformer_folders(bert_copy, breaks, code, match):
    breaks(bert_copy)
    _refused(bert_copy, code, match)


# --- through the command line ----------------------------------------------------------------


def test_cli_commands_with_a_broken_model_print_one_coded_line(cli, linear_copy, tmp_path):
    _edit_config(linear_copy, _set("temperature", 0))
    shutil.copy(SAMPLE_POSTS, tmp_path / "posts.jsonl")
    assert cli("predict", "posts.jsonl", "-o", "out.jsonl", "--model", linear_copy).coded_error() == "E403"
    assert cli("predict", "posts.jsonl", "-o", "out.jsonl", "--model", linear_copy, "--workers", "2").coded_error() == "E403"
    assert cli("evaluate", str(linear_copy), "--data", "corpus:test").coded_error() == "E403"
    assert cli("predict", "posts.jsonl", "-o", "out.jsonl", "--model", "no/such/folder.d").coded_error() == "E401"
    assert not (tmp_path / "out.jsonl").exists()
