"""Running the same prediction on a distributed engine: Ray Data.

When a dump outgrows one machine, read it with Ray Data and classify it with
:func:`predict_dataset`, a ``Dataset.map_batches`` over an actor pool: each actor loads the model
once from its folder and scores batches with the same code as :func:`~netral_nlp.batch.predict_file`
(same validation, same columns, same rounding), so the values are the same. Rows that cannot be
used are not dropped: they come out with ``error_code`` and ``error`` set (null for good rows).

Ray is an optional extra: ``pip install 'netral-nlp[ray]'``. :func:`predict_dataframe` needs only
pandas and is what each actor runs; it also fits other engines' pandas hooks (Dask's
``map_partitions``, Spark's ``mapInPandas``).

>>> import ray                                                              # doctest: +SKIP
>>> ds = ray.data.read_parquet("s3://bucket/posts/")                       # doctest: +SKIP
>>> out = predict_dataset(ds, model="/shared/models/netral-linear", concurrency=16)  # doctest: +SKIP
>>> out.filter(lambda row: row["error_code"] is None).write_parquet("s3://bucket/predictions/")  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from netral_nlp.batch.pipeline import DEFAULT_BATCH_SIZE
from netral_nlp.batch.readers import Row, check_row
from netral_nlp.batch.workers import DEFAULT_CACHE_SIZE, Scorer
from netral_nlp.batch.writers import arrow_schema, as_text, build_records, keep_columns, output_columns
from netral_nlp.models import TextClassifier, load_model, resolve_model
from netral_nlp.models.validation import user_election

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ENGINE_ERROR_COLUMNS", "RAY_INSTALL", "RayPredictor", "predict_dataframe", "predict_dataset"]

#: The command that installs the optional Ray dependency.
RAY_INSTALL = "pip install 'netral-nlp[ray]'"
#: Columns added to the engine output: the code and reason of a row that could not be used.
ENGINE_ERROR_COLUMNS = ("error_code", "error")


def _require_ray() -> Any:
    try:
        import ray
        import ray.data
    except ImportError as exc:
        raise ImportError(f"the Ray Data adapter needs Ray Data, which is not installed: {RAY_INSTALL}") from exc
    return ray


def engine_columns(labels: Sequence[str], keep: Sequence[str] = ()) -> list[str]:
    """The columns of the engine output: those of :func:`predict_file`, then the error columns."""
    return [*output_columns(labels, keep), *ENGINE_ERROR_COLUMNS]


def _score_frame(df: pd.DataFrame, scorer: Scorer, *, text_key: str, id_key: str, keep: Sequence[str]) -> Any:
    import pyarrow as pa

    records = df.to_dict("records")
    items = [check_row(r, line=None, text_key=text_key, id_key=id_key, keep=keep) for r in records]
    rows = [i for i in items if isinstance(i, Row)]
    s = scorer([r.text for r in rows])
    scored = iter(build_records(rows, s.proba, s.label_index, s.contestants, scorer.labels, keep))
    columns = engine_columns(scorer.labels, keep)
    kept = set(keep_columns(keep, scorer.labels).values())
    out: dict[str, list[Any]] = {c: [] for c in columns}
    for item in items:
        if isinstance(item, Row):
            rec = next(scored)
            rec["error_code"] = rec["error"] = None
        else:
            rec = {"id": item.id, "error_code": item.code, "error": item.reason}
        for c in columns:
            v = rec.get(c)
            out[c].append(as_text(v) if c in kept else v)
    return pa.Table.from_pydict(out, schema=arrow_schema(columns, scorer.labels))


def predict_dataframe(
    df: pd.DataFrame,
    *,
    model: str | Path | TextClassifier | None = None,
    text_key: str = "text",
    id_key: str = "id",
    keep: Sequence[str] = (),
    election: str | Path | None = None,
    cache_size: int = DEFAULT_CACHE_SIZE,
) -> pd.DataFrame:
    """Classify the rows of a pandas DataFrame; the engine adapter's unit of work.

    Returns one row per input row, in order, with the columns of :func:`predict_file` (kept
    columns as strings) and ``error_code``/``error`` (None for a good row; a bad row has only its
    id, if any, and the error).

    >>> import pandas as pd
    >>> out = predict_dataframe(pd.DataFrame({"id": [1, 2], "text": ["Ayo coblos 02!", None]}))  # doctest: +SKIP
    >>> out["error_code"].tolist()                                                                  # doctest: +SKIP
    [None, 'E205']
    """
    with user_election(election):  # a model trained on the user's own election file loads with it
        loaded = model if isinstance(model, TextClassifier) else load_model(model)
    scorer = Scorer(loaded, election=election, cache_size=cache_size)
    return _score_frame(df, scorer, text_key=text_key, id_key=id_key, keep=keep).to_pandas()


class RayPredictor:
    """The callable class that :func:`predict_dataset` hands to ``map_batches``: one per actor,
    loading the model once from its folder (which every node must be able to read)."""

    def __init__(self, model: str, *, text_key: str, id_key: str, keep: Sequence[str], election: str | None, cache_size: int) -> None:
        with user_election(election):
            loaded = load_model(model)
        self.scorer = Scorer(loaded, election=election, cache_size=cache_size)
        self.text_key, self.id_key, self.keep = text_key, id_key, list(keep)

    def __call__(self, batch: pd.DataFrame) -> Any:
        return _score_frame(batch, self.scorer, text_key=self.text_key, id_key=self.id_key, keep=self.keep)


def predict_dataset(
    ds: Any,
    *,
    model: str | Path | None = None,
    text_key: str = "text",
    id_key: str = "id",
    keep: Sequence[str] = (),
    election: str | Path | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    concurrency: int = 1,
    num_cpus: float = 1.0,
    cache_size: int = DEFAULT_CACHE_SIZE,
) -> Any:
    """Classify a Ray ``Dataset`` of posts with an actor pool of ``concurrency`` actors.

    ``model`` is a model folder that every node can read (None: the shipped default of the
    installed package). The result is a lazy ``Dataset`` with the columns of :func:`predict_file`
    plus ``error_code`` and ``error``; write it with ``write_parquet`` or ``write_json``.
    ``concurrency`` actors of ``num_cpus`` each must leave CPUs free for the read tasks that feed
    them: on a cluster of C CPUs, ``concurrency * num_cpus < C`` (else the job waits forever).
    Needs ``pip install 'netral-nlp[ray]'``.

    >>> import ray                                                                         # doctest: +SKIP
    >>> ds = ray.data.read_json("posts/*.jsonl.gz")                                        # doctest: +SKIP
    >>> predict_dataset(ds, election="pemilu-2024", concurrency=8).write_parquet("out/")  # doctest: +SKIP
    """
    _require_ray()
    where, target = resolve_model(model)  # a shipped name, a folder (made absolute for the workers) or a hub id
    path = str(Path(target).resolve()) if where == "folder" else str(target)
    return ds.map_batches(
        RayPredictor,
        fn_constructor_kwargs={
            "model": path,
            "text_key": text_key,
            "id_key": id_key,
            "keep": list(keep),
            "election": None if election is None else str(election),
            "cache_size": cache_size,
        },
        batch_size=batch_size,
        batch_format="pandas",
        concurrency=concurrency,
        num_cpus=num_cpus,
    )
