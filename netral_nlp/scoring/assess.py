"""Per-account assessment: from the evidence of each action to a band, a score and the rules touched.

The score of an account combines the strengths ``s`` of its counted evidence in two steps::

    per action type t:  S_t   = min(cap_t, 1 - prod_i (1 - s_i))     (noisy-OR, capped)
    account:            score = 1 - prod_t (1 - S_t)                   (noisy-OR over types)

Noisy-OR rises with strong and with repeated evidence and stays in [0, 1]; the cap per action
type keeps many weak acts of one kind (a hundred likes) from adding up to a certain violation.
The band follows from the score and the strongest single action (``bands`` in the rules file),
then is bounded by the account's ASN status (``statuses``): a non-ASN account is never banded
as a violation, an unknown status at most ``needs_review``.

>>> combine([0.4, 0.4, 0.4], cap=0.6)
0.6
>>> round(combine([0.3], cap=1.0), 2)
0.3
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import pandas as pd

from netral_nlp.scoring.rules import ACTIONS, BANDS, Rules
from netral_nlp.scoring.schema import E_UNKNOWN_ACCOUNT, Issue

__all__ = ["ACCOUNT_COLUMNS_OUT", "account_columns", "assess_accounts", "band_for", "combine"]


def account_columns(rules: Rules) -> tuple[str, ...]:
    """Columns of the accounts table of :class:`~netral_nlp.scoring.Assessments`, in order: one
    ``n_<action>`` count per action of the rules.

    >>> from netral_nlp.scoring.rules import load_rules
    >>> [c for c in account_columns(load_rules()) if c.startswith("n_")][:4]
    ['n_actions', 'n_evidence', 'n_post', 'n_comment']
    """
    return (*_COLUMNS_BEFORE, *(f"n_{a}" for a in rules.actions), *_COLUMNS_AFTER)


_COLUMNS_BEFORE: tuple[str, ...] = (
    "account_id",
    "name",
    "agency",
    "region",
    "position",
    "asn_status",
    "band",
    "score",
    "evidence_band",
    "top_strength",
    "provisions",
    "regimes",
    "contestants",
    "n_actions",
    "n_evidence",
)
_COLUMNS_AFTER: tuple[str, ...] = (
    "n_invalid",
    "first_action",
    "last_action",
    "top_evidence",
    "in_accounts_table",
    "note",
    "summary",
)
#: Columns of the accounts table under the shipped rules.
ACCOUNT_COLUMNS_OUT: tuple[str, ...] = (*_COLUMNS_BEFORE, *(f"n_{a}" for a in ACTIONS), *_COLUMNS_AFTER)


def combine(strengths: Iterable[float], *, cap: float = 1.0) -> float:
    """Noisy-OR of strengths in [0, 1], bounded by ``cap``.

    >>> combine([]), combine([0.5, 0.5])
    (0.0, 0.75)
    """
    miss = 1.0
    for s in strengths:
        miss *= 1.0 - min(max(float(s), 0.0), 1.0)
    return min(cap, 1.0 - miss)


def band_for(score: float, top_strength: float, rules: Rules) -> str:
    """Band the evidence alone supports (before the ASN status is taken into account).

    >>> from netral_nlp.scoring.rules import load_rules
    >>> band_for(0.9, 0.9, load_rules()), band_for(0.75, 0.4, load_rules()), band_for(0.1, 0.1, load_rules())
    ('likely_violation', 'needs_review', 'no_indication')
    """
    lv, nr = rules.bands["likely_violation"], rules.bands["needs_review"]
    if score >= lv["min_score"] and top_strength >= lv["min_top_strength"] and score > 0:
        return "likely_violation"
    if score >= nr["min_score"] and score > 0:
        return "needs_review"
    return "no_indication"


def _bounded(band: str, max_band: str) -> str:
    return band if BANDS.index(band) >= BANDS.index(max_band) else max_band


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def assess_accounts(evidence: pd.DataFrame, accounts: pd.DataFrame, *, rules: Rules) -> tuple[pd.DataFrame, list[Issue]]:
    """One assessment per account: every account of the accounts table, plus every account that
    acts in the evidence but is missing from it (status ``unknown``, issue ``E315``).

    Returns the table sorted by score (highest first) and the issues raised.
    """
    issues: list[Issue] = []
    known = set(accounts["account_id"])
    # Plain records grouped once: per-account pandas operations are far too slow for many accounts.
    cols = [
        "evidence_id",
        "source_row",
        "location",
        "account_id",
        "action",
        "timestamp",
        "status",
        "counted",
        "strength",
        "regime",
        "provisions",
        "contestants",
    ]
    by_account: dict[str, list[dict[str, Any]]] = {}
    for r in evidence[cols].to_dict("records"):
        if r["account_id"] is not None and not (isinstance(r["account_id"], float) and math.isnan(r["account_id"])):
            by_account.setdefault(str(r["account_id"]), []).append(r)
    table = accounts.to_dict("records")
    for account, rows in by_account.items():
        if account in known:
            continue
        numbers = [r["source_row"] for r in rows]
        shown = ", ".join(map(str, numbers[:10])) + (", ..." if len(numbers) > 10 else "")
        issues.append(
            Issue(
                "activity",
                int(numbers[0]),
                str(rows[0]["location"]),
                "account_id",
                E_UNKNOWN_ACCOUNT,
                "warning",
                f"account {account!r} (rows {shown}) is not in the accounts table; its ASN status is taken as unknown",
                account,
            )
        )
        table.append(
            {
                "account_id": account,
                "asn_status": "unknown",
                "name": "",
                "agency": "",
                "region": "",
                "position": "",
                "in_accounts_table": False,
            }
        )

    order = {p.short: i for i, p in enumerate(rules.provisions.values())}
    records = [_assess_one(acc, by_account.get(acc["account_id"], []), rules, order) for acc in table]
    out = pd.DataFrame.from_records(records, columns=list(account_columns(rules)))
    for col in ("first_action", "last_action"):
        out[col] = pd.to_datetime(out[col].tolist(), utc=True).tz_convert(_timezone(evidence)) if len(out) else out[col]
    if len(out):
        out["_band_rank"] = out["band"].map(BANDS.index)
        out = out.sort_values(["score", "_band_rank", "account_id"], ascending=[False, True, True], kind="stable").drop(
            columns="_band_rank"
        )
        out = out.reset_index(drop=True)
    return out, issues


def _timezone(evidence: pd.DataFrame) -> Any:
    tz = getattr(evidence["timestamp"].dtype, "tz", None)
    return tz if tz is not None else "UTC"


def _assess_one(acc: dict[str, Any], ev: list[dict[str, Any]], rules: Rules, order: dict[str, int]) -> dict[str, Any]:
    status = acc["asn_status"]
    ok = [r for r in ev if r["status"] == "ok"]
    counted = [r for r in ok if r["counted"]]
    per_type = {a: combine((r["strength"] for r in counted if r["action"] == a), cap=rule.cap) for a, rule in rules.actions.items()}
    score = round(combine(per_type.values()), 6)
    top_strength = max((float(r["strength"]) for r in counted), default=0.0)
    evidence_band = band_for(score, top_strength, rules)
    srule = rules.statuses[status]
    band = _bounded(evidence_band, srule.max_band)
    ranked = sorted(counted, key=lambda r: (-r["strength"], r["timestamp"]))
    provisions = (
        sorted({p for r in counted for p in r["provisions"]}, key=lambda p: order.get(p, math.inf))
        if srule.max_band != "no_indication"
        else []
    )
    regimes = sorted({r["regime"] for r in counted})
    contestants = sorted({c for r in counted for c in r["contestants"]})
    times = [r["timestamp"] for r in ok]
    notes = [srule.note]
    if not acc.get("in_accounts_table", True):
        notes.append("not in the accounts table")
    if "ethics" in regimes:
        notes.append(rules.regimes["ethics"].label)
    if evidence_band != band:
        notes.append(f"the evidence alone would band it {evidence_band}")
    rec = {
        **{k: acc.get(k, "") for k in ("account_id", "name", "agency", "region", "position")},
        "asn_status": status,
        "band": band,
        "score": score,
        "evidence_band": evidence_band,
        "top_strength": round(top_strength, 6),
        "provisions": provisions,
        "regimes": regimes,
        "contestants": contestants,
        "n_actions": len(ev),
        "n_evidence": len(counted),
        **{f"n_{a}": sum(r["action"] == a for r in ok) for a in rules.actions},
        "n_invalid": sum(r["status"] == "invalid" for r in ev),
        "first_action": min(times) if times else None,
        "last_action": max(times) if times else None,
        "top_evidence": [int(r["evidence_id"]) for r in ranked[: rules.top_evidence]],
        "in_accounts_table": bool(acc.get("in_accounts_table", True)),
        "note": "; ".join(notes),
    }
    rec["summary"] = _summary(rec, counted, ranked, rules)
    return rec


def _summary(rec: dict[str, Any], counted: list[dict[str, Any]], ranked: list[dict[str, Any]], rules: Rules) -> str:
    if not counted:
        return f"{rec['band']}: no evidence of campaign activity in {_plural(rec['n_actions'], 'action')}."
    kinds = ", ".join(rule.count(n) for a, rule in rules.actions.items() if (n := sum(r["action"] == a for r in counted)))
    top = ranked[0]
    when = top["timestamp"].strftime("%Y-%m-%d")
    text = (
        f"{rec['band']} (score {rec['score']:.2f}): evidence in {kinds}; "
        f"strongest: {rules.actions[top['action']].one} on {when} (strength {top['strength']:.2f})"
    )
    if rec["provisions"]:
        text += "; touches " + "; ".join(rec["provisions"])
    return text + "."
