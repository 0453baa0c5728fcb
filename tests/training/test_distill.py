"""The fast model: distillation into static embeddings, saving, loading, and what inference needs.

The teacher is the tiny random BERT built by the tests (its tokenizer and piece embeddings are
what the student starts from); the targets are soft labels made from the corpus's gold labels,
so the test can tell whether the student learnt them: it must reproduce them on posts it never
saw far better than the majority class does.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from netral_nlp.data import load_corpus  # noqa: E402
from netral_nlp.models import LABELS, load_model  # noqa: E402
from netral_nlp.models.static import StaticClassifier, pair_ids  # noqa: E402
from netral_nlp.models.tiny import build_tiny_bert  # noqa: E402
from netral_nlp.models.transformer import TransformerClassifier  # noqa: E402
from netral_nlp.training.distill import DistillArguments, distill_static  # noqa: E402

REPO = Path(__file__).resolve().parents[2]


def _soft(labels: list[str], sharp: float = 0.8) -> np.ndarray:
    """Soft targets a teacher could give: ``sharp`` on the gold label, the rest spread."""
    out = np.full((len(labels), len(LABELS)), (1 - sharp) / (len(LABELS) - 1), dtype=np.float32)
    out[np.arange(len(labels)), [LABELS.index(y) for y in labels]] = sharp
    return out


@pytest.fixture(scope="module")
def distilled(tmp_path_factory: pytest.TempPathFactory) -> tuple[StaticClassifier, TransformerClassifier, dict[str, list[str]]]:
    torch.set_num_threads(1)
    teacher = TransformerClassifier.from_pretrained(build_tiny_bert(tmp_path_factory.mktemp("tiny"), n_texts=1500))
    corpus = load_corpus(as_pandas=True)
    sample = corpus[corpus["split"] == "train"].sample(n=2400, random_state=3)
    unlabelled, train, held = sample.iloc[:1200], sample.iloc[1200:1800], sample.iloc[1800:]
    dev = corpus[corpus["split"] == "dev"].sample(n=300, random_state=3)
    texts = {"held_text": held["text"].tolist(), "held_label": held["label"].tolist()}
    targets = _soft([*unlabelled["label"], *train["label"]])
    student = distill_static(
        teacher,
        unlabelled["text"].tolist(),
        train=(train["text"].tolist(), train["label"].tolist()),
        dev=(dev["text"].tolist(), dev["label"].tolist()),
        args=DistillArguments(dim=32, hidden=32, pair_buckets=4096, epochs=8, batch_size=64),
        teacher_proba=targets,
        show_progress=False,
    )
    return student, teacher, texts


def test_the_student_learns_its_targets_on_posts_it_never_saw(distilled) -> None:
    student, _, texts = distilled
    pred = student.predict(texts["held_text"])
    accuracy = float(np.mean([p == g for p, g in zip(pred, texts["held_label"], strict=True)]))
    majority = max(texts["held_label"].count(y) for y in LABELS) / len(texts["held_label"])
    assert accuracy > majority + 0.15, (accuracy, majority)
    history = student.metadata["distillation"]["loss_per_epoch"]
    assert history[-1] < history[0]
    assert student.metadata["distillation"]["unlabelled_posts"] == 1200


def test_the_student_is_calibrated_and_keeps_the_teachers_normaliser(distilled) -> None:
    student, teacher, texts = distilled
    assert student.temperature > 0 and student.temperature != 1.0
    assert student.normalizer.to_dict() == teacher.normalizer.to_dict()
    proba = student.predict_proba(texts["held_text"][:50])
    assert proba.shape == (50, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)


def test_saved_and_loaded_it_gives_the_same_probabilities_without_pickle(distilled, tmp_path: Path) -> None:
    student, _, texts = distilled
    student.save_pretrained(tmp_path / "fast")
    assert sorted(p.name for p in (tmp_path / "fast").iterdir()) == ["model.safetensors", "netral_config.json", "tokenizer.json"]
    config = json.loads((tmp_path / "fast" / "netral_config.json").read_text(encoding="utf-8"))
    assert config["kind"] == "static"
    loaded = load_model(tmp_path / "fast")
    assert isinstance(loaded, StaticClassifier)
    # embeddings are stored as float16: probabilities agree closely, labels exactly here
    before, after = student.predict_proba(texts["held_text"]), loaded.predict_proba(texts["held_text"])
    assert np.abs(before - after).max() < 2e-3
    assert (before.argmax(1) == after.argmax(1)).mean() > 0.99


def test_loading_and_using_a_fast_model_imports_no_torch(distilled, tmp_path: Path) -> None:
    student, _, _ = distilled
    student.save_pretrained(tmp_path / "fast")
    probe = (
        "import sys, json\nfrom netral_nlp.models import load_model\n"
        f"load_model({str(tmp_path / 'fast')!r}).predict_proba(['Ayo coblos 02!'])\n"
        "print(json.dumps([m for m in ('torch', 'transformers', 'sklearn', 'scipy') if m in sys.modules]))"
    )
    out = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True, timeout=120)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def test_pairs_never_cross_posts() -> None:
    flat = np.array([5, 6, 7, 9, 4])
    offsets = np.array([0, 3, 3])  # posts: [5 6 7], [], [9 4]
    hashed, offs = pair_ids(flat, offsets, 1000)
    assert len(hashed) == 3 and offs.tolist() == [0, 2, 2]
    again, _ = pair_ids(np.array([9, 4]), np.array([0]), 1000)
    assert hashed[2] == again[0]  # the pair (9, 4) hashes alike wherever it stands


def test_distillation_refuses_teacher_probabilities_of_the_wrong_shape(distilled) -> None:
    _, teacher, texts = distilled
    with pytest.raises(ValueError, match="teacher_proba has shape"):
        distill_static(
            teacher,
            texts["held_text"][:10],
            train=(texts["held_text"][10:20], texts["held_label"][10:20]),
            dev=(texts["held_text"][20:40], texts["held_label"][20:40]),
            args=DistillArguments(dim=8, hidden=8, pair_buckets=0, epochs=1),
            teacher_proba=np.zeros((5, 3), dtype=np.float32),
        )
