"""The Ray Data adapter gives the same outputs as the single-machine path (Ray's local mode)."""

from __future__ import annotations

import importlib.util
import sys

import pandas as pd
import pytest
from batch_helpers import read_errors, read_output, write_jsonl

from netral_nlp.batch import RAY_INSTALL, predict_dataframe, predict_dataset, predict_file

ray_missing = importlib.util.find_spec("ray") is None


@pytest.fixture(scope="module")
def frame(posts) -> pd.DataFrame:
    """Real posts, then rows with a null text, an empty text and a null id."""
    junk = pd.DataFrame(
        [
            {"id": "e-null", "text": None, "source": "s"},
            {"id": "e-empty", "text": " ", "source": "s"},
            {"id": None, "text": "no id", "source": "s"},
        ]
    )
    return pd.concat([posts[["id", "text", "source"]].head(120), junk], ignore_index=True)


@pytest.fixture(scope="module")
def single_machine(tmp_path_factory, frame, shipped_model):
    """predict_file's results and errors on the same rows, written as JSONL."""
    tmp = tmp_path_factory.mktemp("single")
    src = write_jsonl(tmp / "in.jsonl", frame, junk=False)
    summary = predict_file(src, tmp / "out.jsonl", model=shipped_model, keep=["source"], election="pemilu-2024")
    return read_output(tmp / "out.jsonl"), read_errors(summary.errors_file)


def _records(df: pd.DataFrame) -> list[dict]:
    good = df[df["error_code"].isna()].drop(columns=["error_code", "error"])
    rows = good.to_dict("records")
    for r in rows:
        r["contestants"] = list(r["contestants"])
    return rows


def _check_same(df: pd.DataFrame, single_machine) -> None:
    rows, errors = single_machine
    assert sorted(_records(df), key=lambda r: r["id"]) == sorted(rows, key=lambda r: r["id"])
    bad = df[df["error_code"].notna()]
    assert sorted(zip(bad["id"].fillna(""), bad["error_code"], strict=True)) == sorted((e["id"] or "", e["code"]) for e in errors)


def test_predict_dataframe_matches_predict_file(frame, shipped_model, single_machine):
    out = predict_dataframe(frame, model=shipped_model, keep=["source"], election="pemilu-2024")
    assert len(out) == len(frame) and out["id"].tolist()[:5] == frame["id"].tolist()[:5]
    assert list(out.columns)[-2:] == ["error_code", "error"]
    _check_same(out, single_machine)


def test_missing_ray_names_the_pip_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(ImportError, match=r"pip install 'netral-nlp\[ray\]'"):
        predict_dataset(object())
    assert RAY_INSTALL == "pip install 'netral-nlp[ray]'"


@pytest.mark.slow  # about 20 s on 2 cores: Ray's local cluster starts and stops
@pytest.mark.skipif(ray_missing, reason=f"Ray is not installed ({RAY_INSTALL})")
@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore:The inplace keyword")
def test_ray_local_mode_matches_predict_file(frame, single_machine):
    import ray

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        ds = ray.data.from_pandas(frame).repartition(3)
        # Two actors at half a CPU each leave room for the read and repartition tasks on 2 CPUs.
        out = predict_dataset(ds, keep=["source"], election="pemilu-2024", batch_size=32, concurrency=2, num_cpus=0.5).to_pandas()
    finally:
        ray.shutdown()
    assert len(out) == len(frame)
    _check_same(out, single_machine)
