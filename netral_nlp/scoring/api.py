"""The scoring entry point: :func:`score` and its result, :class:`Assessments`."""

from __future__ import annotations

import dataclasses
import datetime
import json
import logging
import math
import warnings
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from netral_nlp.elections import ElectionConfig, load_election
from netral_nlp.errors import InputError
from netral_nlp.scoring.assess import assess_accounts
from netral_nlp.scoring.evidence import ProbabilisticClassifier, compute_evidence
from netral_nlp.scoring.report import build_blocks, render_html, render_markdown
from netral_nlp.scoring.rules import BANDS, Rules, load_rules
from netral_nlp.scoring.schema import Issue, read_accounts, read_activity
from netral_nlp.tables.files import atomic_file, atomic_write, partial_path

__all__ = ["Assessments", "ScoringWarning", "score"]

logger = logging.getLogger("netral_nlp.scoring")

#: Error code when an output file exists and overwriting was not asked for.
E_EXISTS = "E340"
#: Columns of the issues table.
ISSUE_COLUMNS = ("table", "row", "location", "field", "code", "severity", "message", "account_id")


class ScoringWarning(UserWarning):
    """Some input rows could not be scored or were read with an assumption (see ``Assessments.issues``)."""


def _jsonable(value: Any) -> Any:
    if isinstance(value, pd.Timestamp):
        return None if value is pd.NaT else value.isoformat()
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else float(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_jsonable(v) for v in value]
    return value


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: _jsonable(v) for k, v in row.items()} for row in df.to_dict("records")]


@dataclasses.dataclass
class Assessments:
    """The result of :func:`score`.

    ``accounts``: one row per account, highest score first (band, score, provisions, counts per
    action type, first/last action, ``top_evidence`` ids). ``evidence``: one row per input action,
    in input order (``evidence_id`` is the row position; ``status="invalid"`` rows were not
    scored). ``issues``: one row per input problem or assumption.

    >>> a = score(activity_df, accounts_df, model=my_model, election="pilpres-2019")  # doctest: +SKIP
    >>> a.flagged()[["account_id", "band", "score"]]  # doctest: +SKIP
    >>> a.to_markdown("report.md")  # doctest: +SKIP
    """

    accounts: pd.DataFrame
    evidence: pd.DataFrame
    issues: pd.DataFrame
    election: ElectionConfig
    rules: Rules
    meta: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def counts(self) -> dict[str, int]:
        """Rows in and where they went: ``activity_rows == scored_rows + invalid_rows``."""
        ev, acc = self.evidence, self.accounts
        out = {
            "activity_rows": len(ev),
            "scored_rows": int((ev["status"] == "ok").sum()),
            "invalid_rows": int((ev["status"] == "invalid").sum()),
            "unattributed_rows": int(ev["account_id"].isna().sum()),
            "accounts": len(acc),
            "accounts_not_in_table": int((~acc["in_accounts_table"].astype(bool)).sum()) if len(acc) else 0,
        }
        out.update({b: int((acc["band"] == b).sum()) for b in BANDS})
        return out

    def flagged(self) -> pd.DataFrame:
        """Accounts banded ``likely_violation`` or ``needs_review``, highest score first."""
        return self.accounts[self.accounts["band"] != "no_indication"].reset_index(drop=True)

    def evidence_for(self, account_id: str, *, counted_only: bool = False) -> pd.DataFrame:
        """An account's evidence, strongest first (then by time).

        >>> a.evidence_for("budi_pns", counted_only=True)[["action", "strength"]]  # doctest: +SKIP
        """
        ev = self.evidence[self.evidence["account_id"] == account_id]
        if counted_only:
            ev = ev[ev["counted"].astype(bool)]
        return ev.sort_values(["strength", "timestamp"], ascending=[False, True], kind="stable").reset_index(drop=True)

    # --- output ------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Everything as plain JSON-able Python: ``meta``, ``counts``, ``accounts``, ``evidence``, ``issues``."""
        return {
            "meta": _jsonable_meta(self.meta),
            "counts": self.counts,
            "accounts": _records(self.accounts),
            "evidence": _records(self.evidence),
            "issues": _records(self.issues),
        }

    def to_json(self, path: str | Path | None = None, *, indent: int | None = None) -> str:
        """One JSON document (see :meth:`to_dict`); written to ``path`` when given. Times are ISO 8601 with offset."""
        text = json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)
        if path is not None:
            atomic_write(Path(path), text + "\n")
        return text

    def to_jsonl(self, directory: str | Path) -> dict[str, Path]:
        """Write ``accounts.jsonl``, ``evidence.jsonl`` and ``issues.jsonl`` (one record a line) into ``directory``."""
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        paths = {}
        for name, df in (("accounts", self.accounts), ("evidence", self.evidence), ("issues", self.issues)):
            paths[name] = d / f"{name}.jsonl"
            atomic_write(paths[name], "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in _records(df)))
        return paths

    def to_parquet(self, directory: str | Path) -> dict[str, Path]:
        """Write ``accounts.parquet``, ``evidence.parquet`` and ``issues.parquet`` into ``directory``."""
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        paths = {}
        for name, df in (("accounts", self.accounts), ("evidence", self.evidence), ("issues", self.issues)):
            paths[name] = d / f"{name}.parquet"
            with atomic_file(paths[name]) as fh:
                df.to_parquet(fh, index=False)
        return paths

    def to_markdown(self, path: str | Path | None = None) -> str:
        """The readable report: summary, one section per flagged account with its evidence, issues."""
        text = render_markdown(build_blocks(self))
        if path is not None:
            atomic_write(Path(path), text)
        return text

    def to_html(self, path: str | Path | None = None) -> str:
        """The same report as one self-contained HTML page."""
        text = render_html(build_blocks(self), title=f"Neutrality screening: {self.election.name}")
        if path is not None:
            atomic_write(Path(path), text)
        return text

    def save(self, directory: str | Path, *, format: Literal["jsonl", "parquet"] = "jsonl", force: bool = False) -> dict[str, Path]:
        """Write the tables (``format``), ``summary.json``, ``report.md`` and ``report.html`` into ``directory``.

        Refuses to overwrite existing outputs unless ``force`` (:class:`~netral_nlp.errors.InputError` ``E340``).
        """
        if format not in ("jsonl", "parquet"):
            raise ValueError(f"format must be 'jsonl' or 'parquet', got {format!r}")
        d = Path(directory)
        names = [f"{n}.{format}" for n in ("accounts", "evidence", "issues")] + ["summary.json", "report.md", "report.html"]
        existing = [n for n in names if (d / n).exists()]
        if existing and not force:
            raise InputError(f"{d}: {', '.join(existing)} exist; pass force=True (--force) to overwrite", code=E_EXISTS)
        paths = self.to_jsonl(d) if format == "jsonl" else self.to_parquet(d)
        paths["summary"] = d / "summary.json"
        atomic_write(
            paths["summary"], json.dumps({"meta": _jsonable_meta(self.meta), "counts": self.counts}, ensure_ascii=False, indent=2) + "\n"
        )
        paths["report_md"] = d / "report.md"
        self.to_markdown(paths["report_md"])
        paths["report_html"] = d / "report.html"
        self.to_html(paths["report_html"])
        return paths

    def __repr__(self) -> str:
        c = self.counts
        return (
            f"Assessments(election={self.election.id!r}, accounts={c['accounts']}, actions={c['activity_rows']}, "
            f"likely_violation={c['likely_violation']}, needs_review={c['needs_review']}, issues={len(self.issues)})"
        )


def output_files(directory: str | Path, format: Literal["jsonl", "parquet"] = "jsonl") -> dict[str, Path]:
    """Every file :meth:`Assessments.save` writes (or writes first under a temporary name), by name.

    >>> sorted(output_files("out"))[:3]
    ['accounts.jsonl', 'accounts.jsonl.partial', 'evidence.jsonl']
    """
    d = Path(directory)
    names = [f"{n}.{format}" for n in ("accounts", "evidence", "issues")] + ["summary.json", "report.md", "report.html"]
    return {f: d / f for name in names for f in (name, partial_path(name).name)}


def _jsonable_meta(meta: dict[str, Any]) -> dict[str, Any]:
    return {k: _jsonable(v) for k, v in meta.items()}


def _describe_model(model: Any) -> str:
    """The model as the report names it, from its public description when it has one."""
    describe = getattr(model, "describe", None)
    if not callable(describe):
        return type(model).__name__
    d = describe()
    masking = f"masks {d['election']}" if d.get("election") else "no contestant masking"
    return f"{d['kind']} model {d['name'] or type(model).__name__} ({masking}; saved by netral_nlp {d['version']})"


def score(
    activity: pd.DataFrame | str | Path,
    accounts: pd.DataFrame | str | Path,
    *,
    model: ProbabilisticClassifier | str | Path | None = None,
    election: str | Path | ElectionConfig = "pemilu-2024",
    rules: str | Path | Rules | None = None,
    errors: Literal["warn", "raise", "ignore"] = "warn",
    encoding: str = "utf-8",
) -> Assessments:
    """Score social-media activity of accounts against the ASN neutrality rules.

    ``activity`` and ``accounts`` are DataFrames or files (CSV, JSONL, Parquet) with the columns
    documented in :mod:`netral_nlp.scoring.schema` (files are UTF-8 unless ``encoding`` names
    another, see docs/files.md). ``model`` is a classifier with ``labels`` and
    ``predict_proba`` (any :class:`~netral_nlp.models.base.TextClassifier`), the path of a saved
    one, or None for the shipped default (loaded only if some text needs it). ``election`` is a
    shipped election id or the path of a config file; ``rules`` the path of a rules file (None:
    the shipped ``neutrality.yaml``).

    Bad rows never crash the run and are never dropped: they are kept in ``evidence`` with
    ``status="invalid"`` and described in ``issues``; ``errors="warn"`` (default) also emits one
    :class:`ScoringWarning`, ``"raise"`` raises :class:`~netral_nlp.errors.InputError` at the first
    row error, ``"ignore"`` stays silent. A missing required column always raises.

    >>> import pandas as pd
    >>> activity = pd.DataFrame({"account_id": ["budi"], "action": ["follow"],
    ...                          "timestamp": ["2019-01-05T09:00:00+07:00"], "target_account": ["@TKN_Jokowi"]})
    >>> accounts = pd.DataFrame({"account_id": ["budi"], "asn_status": ["pns"]})
    >>> result = score(activity, accounts, election="pilpres-2019")  # a follow needs no model
    >>> result.accounts.loc[0, "band"], float(result.accounts.loc[0, "score"])
    ('needs_review', 0.5)
    >>> result.evidence.loc[0, "provisions"]
    ['SKB 2/2022', 'PP 94/2021 Pasal 5 huruf n']
    """
    if errors not in ("warn", "raise", "ignore"):
        raise ValueError(f"errors must be 'warn', 'raise' or 'ignore', got {errors!r}")
    cfg = load_election(election)
    rule_set = load_rules(rules)
    act, issues = read_activity(activity, timezone=cfg.timezone, encoding=encoding, rules=rule_set)
    acc, acc_issues = read_accounts(accounts, encoding=encoding)
    issues += acc_issues
    if errors == "raise":
        first = next((i for i in issues if i.severity == "error"), None)
        if first is not None:
            raise InputError(f"{first.location}, field {first.field!r}: {first.message}", code=first.code)

    used: dict[str, Any] = {}

    def load() -> ProbabilisticClassifier:
        used["model"] = _resolve_model(model, cfg)
        return used["model"]

    evidence = compute_evidence(act, election=cfg, rules=rule_set, model=load)
    assessed, more = assess_accounts(evidence, acc, rules=rule_set)
    issues += more
    issues_df = pd.DataFrame.from_records([dataclasses.asdict(i) for i in issues], columns=list(ISSUE_COLUMNS))
    issues_df["row"] = issues_df["row"].astype("Int64")
    meta = {
        "election": cfg.id,
        "election_source": cfg.source,
        "rules": rule_set.name,
        "rules_source": rule_set.source,
        "model": _describe_model(used["model"]) if "model" in used else "not needed (no text to classify, or probabilities given)",
        "netral_nlp_version": _version(),
        "generated_at": datetime.datetime.now(datetime.UTC).replace(microsecond=0).isoformat(),
    }
    result = Assessments(accounts=assessed, evidence=evidence, issues=issues_df, election=cfg, rules=rule_set, meta=meta)
    _report_issues(issues, errors)
    return result


def _version() -> str:
    from netral_nlp import __version__

    return __version__


def _resolve_model(model: Any, election: ElectionConfig) -> ProbabilisticClassifier:
    """The classifier to use: the given object as it is, or one loaded by ``netral_nlp.models.load_model``.

    A loaded model that masks contestants is re-targeted to the election being scored, so that
    this election's names become the role tokens it was trained on.
    """
    if model is not None and not isinstance(model, (str, Path)):
        if not hasattr(model, "predict_proba") or not hasattr(model, "labels"):
            raise TypeError(f"model must have 'labels' and 'predict_proba' (a TextClassifier), got {type(model).__name__}")
        return model  # type: ignore[no-any-return]
    try:
        from netral_nlp.models import load_model
    except ImportError as exc:
        raise ImportError(
            "no model given and the shipped default model cannot be loaded (netral_nlp.models.load_model is unavailable); "
            "pass model=... (any object with labels and predict_proba)"
        ) from exc
    from netral_nlp.models.validation import user_election

    with user_election(election):  # a model trained on the user's own election file loads with it
        loaded = load_model(model)
    if getattr(loaded, "election", None) not in (None, election.id) and hasattr(loaded, "set_election"):
        loaded.set_election(election)  # type: ignore[arg-type]
    return loaded


def _report_issues(issues: list[Issue], errors: str) -> None:
    bad = [i for i in issues if i.severity in ("error", "warning")]
    for i in issues:
        logger.debug(i.describe())
    if errors == "warn" and bad:
        n_err = sum(i.severity == "error" for i in bad)
        first = "; ".join(i.describe() for i in bad[:3])
        warnings.warn(
            f"{n_err} row(s) could not be scored and {len(bad) - n_err} warning(s) were raised (see Assessments.issues): {first}"
            + (" ..." if len(bad) > 3 else ""),
            ScoringWarning,
            stacklevel=3,
        )
