"""Per-action evidence: how much one action says that its account took a side, and under which rules.

For each valid activity row the relevance of the action is the largest of its sources (see the
``actions`` section of the rules file): ``p(campaign)`` of the account's own text, of the target
post's text, or 1 when the target is a known campaign-team or contestant account of the election.
Texts below ``min_campaign_probability`` give nothing. Then::

    strength = action weight x period weight x relevance  (x no_contestant_factor when no
                                                          contestant of the election is named)

The period (from the calendar, in the election's timezone) decides the regime (``ethics`` before
candidates are determined, ``discipline`` after) and so the provisions touched.

>>> import pandas as pd
>>> from netral_nlp.elections import load_election
>>> from netral_nlp.scoring.rules import load_rules
>>> from netral_nlp.scoring.schema import read_activity
>>> act, _ = read_activity(pd.DataFrame({"account_id": ["a"], "action": ["follow"], "timestamp": ["2019-01-05T09:00:00+07:00"], "target_account": ["@TKN_Jokowi"]}))
>>> ev = compute_evidence(act, election=load_election("pilpres-2019"), rules=load_rules(), model=None)
>>> ev.loc[0, "period"], float(ev.loc[0, "strength"]), ev.loc[0, "contestants"]
('campaign', 0.5, ['01'])
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import numpy as np
import pandas as pd

from netral_nlp.elections import ElectionConfig
from netral_nlp.errors import InputError
from netral_nlp.labels import LABELS
from netral_nlp.scoring.rules import Rules

__all__ = ["EVIDENCE_COLUMNS", "ProbabilisticClassifier", "compute_evidence", "normalize_account"]

#: Columns of the evidence table, in order.
EVIDENCE_COLUMNS: tuple[str, ...] = (
    "evidence_id",
    "source_row",
    "account_id",
    "action",
    "timestamp",
    "period",
    "regime",
    "text",
    "target_account",
    "target_text",
    "post_id",
    "url",
    "target_is_campaign_account",
    "contestants",
    "basis",
    "p_campaign",
    *(f"p_{label}" for label in LABELS if label != "campaign"),
    "p_campaign_text",
    "p_campaign_target_text",
    "strength",
    "counted",
    "provisions",
    "explanation",
    "status",
    "issue",
    "timestamp_tz_assumed",
    "location",
)
#: Error code when the model does not behave as the classifier interface says.
E_MODEL = "E331"


class ProbabilisticClassifier(Protocol):
    """What scoring needs from a model: ``labels`` (with ``"campaign"``) and ``predict_proba``."""

    @property
    def labels(self) -> Sequence[str]: ...

    def predict_proba(self, texts: list[str]) -> Any: ...


_PROFILE_URL = re.compile(
    r"^(?:https?://)?(?:www\.|m\.|mobile\.)?(?:twitter|x|instagram|facebook|fb|tiktok|threads)\.(?:com|net)/@?([^/?#\s]+)", re.I
)


def normalize_account(handle: str) -> str:
    """An account handle as compared with the election's campaign accounts: lower-case, no ``@``.

    >>> normalize_account("@TKN_Jokowi"), normalize_account("https://x.com/tkn_jokowi?s=20")
    ('tkn_jokowi', 'tkn_jokowi')
    """
    h = handle.strip()
    m = _PROFILE_URL.match(h)
    if m:
        h = m.group(1)
    return h.lower().lstrip("@")


def _class_probabilities(model: ProbabilisticClassifier, texts: list[str]) -> dict[str, dict[str, float]]:
    """``{text: {label: p}}`` for the distinct texts, in one call to the model."""
    if not texts:
        return {}
    labels = list(getattr(model, "labels", []) or [])
    if "campaign" not in labels:
        raise InputError(f"model {type(model).__name__} has labels {labels}; scoring needs a 'campaign' label", code=E_MODEL)
    proba = np.asarray(model.predict_proba(texts), dtype=float)
    if proba.shape != (len(texts), len(labels)):
        raise InputError(
            f"model {type(model).__name__}.predict_proba returned shape {proba.shape}, expected {(len(texts), len(labels))}", code=E_MODEL
        )
    if not np.all(np.isfinite(proba)) or proba.min() < 0 or proba.max() > 1:
        raise InputError(f"model {type(model).__name__}.predict_proba returned values outside [0, 1]", code=E_MODEL)
    return {t: dict(zip(labels, map(float, row), strict=True)) for t, row in zip(texts, proba, strict=True)}


def _fmt_p(p: float) -> str:
    return f"{p:.2f}"


def compute_evidence(
    activity: pd.DataFrame,
    *,
    election: ElectionConfig,
    rules: Rules,
    model: ProbabilisticClassifier | Callable[[], ProbabilisticClassifier] | None,
) -> pd.DataFrame:
    """Evidence for every row of a validated activity table (see :func:`~netral_nlp.scoring.schema.read_activity`).

    ``model`` may be a classifier, a zero-argument function that returns one (called only when
    some text has no given probability), or None when no text needs the model. Invalid rows get
    ``status="invalid"`` and strength 0, so the output has exactly one row per input row.
    """
    campaign_accounts = {normalize_account(k): v for k, v in election.campaign_accounts.items()}
    matcher = election.matcher
    # Which texts each row needs probabilities for, and which the input already gives.
    needed: set[str] = set()
    rows = activity.to_dict("records")
    for r in rows:
        # A column of given probabilities with gaps comes back with NaN for "not given".
        for col in ("p_campaign_given", "target_p_campaign_given"):
            if r[col] is not None and math.isnan(r[col]):
                r[col] = None
        if not r["valid"]:
            continue
        sources = rules.actions[r["action"]].sources
        if sources.get("own_text") and r["text"] and r["p_campaign_given"] is None:
            needed.add(r["text"])
        if sources.get("target_text") and r["target_text"] and r["target_p_campaign_given"] is None:
            needed.add(r["target_text"])
    proba: dict[str, dict[str, float]] = {}
    if needed:
        if model is None:
            raise InputError("texts need p(campaign) but no model was given", code=E_MODEL)
        clf = model() if callable(model) and not hasattr(model, "predict_proba") else model
        proba = _class_probabilities(clf, sorted(needed))  # type: ignore[arg-type]
    mentions: dict[str, list[str]] = {}

    def mentioned(text: str) -> list[str]:
        if text not in mentions:
            mentions[text] = matcher.pairs_mentioned(text) if text else []
        return mentions[text]

    floor = rules.min_campaign_probability
    out: list[dict[str, Any]] = []
    for idx, r in enumerate(rows):
        rec: dict[str, Any] = {
            "evidence_id": idx,
            "source_row": r["source_row"],
            "account_id": r["account_id"],
            "action": r["action"],
            "timestamp": r["timestamp"],
            "text": r["text"],
            "target_account": r["target_account"],
            "target_text": r["target_text"],
            "post_id": r["post_id"],
            "url": r["url"],
            "issue": r["issue"],
            "timestamp_tz_assumed": bool(r["timestamp_tz_assumed"]),
            "location": r["location"],
            "period": None,
            "regime": None,
            "target_is_campaign_account": False,
            "contestants": [],
            "basis": None,
            "p_campaign_text": math.nan,
            "p_campaign_target_text": math.nan,
            "strength": 0.0,
            "counted": False,
            "provisions": [],
            **{f"p_{label}": math.nan for label in LABELS},
        }
        if not r["valid"]:
            rec["status"] = "invalid"
            rec["explanation"] = f"not scored: {r['issue']}"
            out.append(rec)
            continue
        rec["status"] = "ok"
        act = rules.actions[r["action"]]
        period = election.period_of(r["timestamp"].date())
        prule = rules.periods[period]
        rec["period"], rec["regime"] = period, prule.regime

        # Class probabilities of the texts, and the value each source of this action gives.
        text_probs: dict[str, dict[str, float]] = {}
        for src, text, given, col in (
            ("own_text", r["text"], r["p_campaign_given"], "p_campaign_text"),
            ("target_text", r["target_text"], r["target_p_campaign_given"], "p_campaign_target_text"),
        ):
            if src not in act.sources or not text:
                continue
            probs = {"campaign": given} if given is not None else proba.get(text)
            if probs is not None:
                text_probs[src] = probs
                rec[col] = probs["campaign"]
        values: dict[str, float] = {src: (p["campaign"] if p["campaign"] >= floor else 0.0) for src, p in text_probs.items()}
        target_pair = campaign_accounts.get(normalize_account(r["target_account"])) if r["target_account"] else None
        rec["target_is_campaign_account"] = target_pair is not None
        if target_pair is not None and "target_account" in act.sources:
            values["target_account"] = 1.0

        contestants: set[str] = set()
        for src in ("own_text", "target_text"):
            if src in act.sources:
                contestants.update(mentioned(r["text"] if src == "own_text" else r["target_text"]))
        if target_pair is not None:
            contestants.add(f"{target_pair:02d}")
        rec["contestants"] = sorted(contestants)

        basis, relevance = None, 0.0
        for src, value in values.items():
            if act.sources[src] * value > relevance:
                basis, relevance = src, act.sources[src] * value
        # Class probabilities shown: those of the text the relevance came from, else of any text.
        shown = text_probs.get(basis or "") or text_probs.get("own_text") or text_probs.get("target_text")
        if shown is not None:
            for label in LABELS:
                rec[f"p_{label}"] = shown.get(label, math.nan)
        strength = act.weight * prule.weight * relevance
        if strength > 0 and not contestants:
            strength *= rules.no_contestant_factor
        rec["basis"] = basis
        rec["strength"] = round(strength, 6)
        rec["counted"] = strength > 0
        if strength > 0:
            rec["provisions"] = rules.cite(rules.provisions_for(r["action"], period))
        rec["explanation"] = _explain(rec, r, rules, election, target_pair)
        out.append(rec)
    df = pd.DataFrame.from_records(out, columns=list(EVIDENCE_COLUMNS))
    if len(df):
        df["timestamp"] = pd.to_datetime(df["timestamp"].tolist(), utc=True).tz_convert(election.timezone)
    return df


def _explain(rec: dict[str, Any], row: dict[str, Any], rules: Rules, election: ElectionConfig, target_pair: int | None) -> str:
    """One sentence a supervisor can read: what, when, why it counts (or not); worded as the
    action's ``wording`` in the rules file says."""
    act = rules.actions[row["action"]]
    period = rules.periods[rec["period"]]
    regime = rules.regimes[period.regime]
    target = f" {act.target} {row['target_account']}" if row["target_account"] else ""
    parts = [f"{act.one}{target} in period '{period.label}': {regime.label}"]
    if target_pair is not None:
        parts.append(
            f"{row['target_account']} is a campaign-team/contestant account of pair {target_pair:02d} ({election.pair(target_pair).name})"
        )
    if not math.isnan(rec["p_campaign_text"]):
        parts.append(f"own text p(campaign)={_fmt_p(rec['p_campaign_text'])}")
    if not math.isnan(rec["p_campaign_target_text"]):
        parts.append(f"target text p(campaign)={_fmt_p(rec['p_campaign_target_text'])}")
    if rec["contestants"]:
        parts.append("names pair " + ", ".join(rec["contestants"]))
    if rec["counted"]:
        parts.append(f"strength {rec['strength']:.2f}; touches " + "; ".join(rec["provisions"]))
    elif act.no_evidence and target_pair is None:
        parts.append(act.no_evidence)
    else:
        parts.append(f"no campaign content above p={_fmt_p(rules.min_campaign_probability)}: no evidence")
    return "; ".join(parts) + "."
