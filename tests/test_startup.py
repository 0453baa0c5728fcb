"""Start-up imports only what a path needs: loading the linear model and running ``netral-nlp
predict`` with it import neither scipy, scikit-learn nor torch (they cost seconds;
benchmarks/bench_startup.py measures the times), and model files are readable by others."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np

from netral_nlp.models import load_model
from netral_nlp.models.linear import _vectorizer

REPO = Path(__file__).resolve().parents[1]
HEAVY = ("scipy", "sklearn", "torch", "transformers", "pandas", "pyarrow", "matplotlib", "datasets")


def _imported(code: str, cwd: Path) -> list[str]:
    """The heavy modules a fresh interpreter has imported after running ``code``."""
    probe = f"{code}\nimport sys, json\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    out = subprocess.run([sys.executable, "-c", probe], cwd=cwd, capture_output=True, text=True, check=True, timeout=120)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_loading_and_using_the_linear_model_imports_nothing_heavy(tmp_path):
    code = "from netral_nlp.models import load_model\nload_model('linear').predict_proba(['Ayo coblos 02!'])"
    assert _imported(code, tmp_path) == []


def test_predict_with_the_linear_model_imports_nothing_heavy(tmp_path):
    rows = (REPO / "data" / "samples" / "posts.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)[:10]
    (tmp_path / "posts.jsonl").write_text("".join(rows), encoding="utf-8")
    code = (
        "import sys\nfrom netral_nlp.cli.app import main\n"
        "sys.argv = ['netral-nlp', 'predict', 'posts.jsonl', '-o', 'out.jsonl', '--model', 'linear', '-q']\n"
        "try:\n    main()\nexcept SystemExit as exc:\n    assert not exc.code, exc.code"
    )
    assert _imported(code, tmp_path) == []
    assert len((tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()) == 10
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl", "posts.jsonl"]  # no errors file: no row failed


def test_numpy_features_are_scikit_learns():
    # The loaded model computes TF-IDF with numpy; the values are those of scikit-learn's
    # TfidfVectorizer with the same vocabulary and weights.
    import scipy.sparse as sp

    model = load_model("linear")
    texts = [json.loads(line)["text"] for line in (REPO / "data" / "samples" / "posts.jsonl").read_text(encoding="utf-8").splitlines()]
    texts += ["", "a", "ayo  coblos\t\t02 !!", "[CALON] [PASLON] HTTPURL @USER :smiling_face:"]
    normalized = model.normalize(texts)
    for k in ("word", "char"):
        ours = model._vecs[k]
        reference = _vectorizer(model.features[k])
        reference.vocabulary_, reference.idf_ = ours.vocabulary, ours.idf
        rows, cols, values = ours.transform(normalized)
        mine = sp.csr_matrix((values, (rows, cols)), shape=(len(texts), len(ours))).toarray()
        np.testing.assert_allclose(mine, reference.transform(normalized).toarray(), rtol=1e-5, atol=1e-6)


def test_saved_model_files_are_readable_by_others(tmp_path):
    old = os.umask(0o022)
    try:
        load_model("linear").save_pretrained(tmp_path / "model")
    finally:
        os.umask(old)
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in (tmp_path / "model").iterdir()}
    assert "model.safetensors" in modes and set(modes.values()) == {0o644}, modes
