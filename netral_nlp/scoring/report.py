"""Readable reports of an assessment: Markdown and a self-contained HTML page.

Both are rendered from the same list of blocks, so they say the same thing: a summary, one
section per flagged account with every one of its actions (the evidence first), the accounts not
banded because of their ASN status with their evidence, and the input issues. Actions are named
and counted as the rules file words them (``1 like``, ``2 likes``).

>>> print(render_markdown([("h2", "Summary"), ("table", ["band", "accounts"], [["needs_review", "1"]])]))
## Summary
<BLANKLINE>
| band | accounts |
| --- | --- |
| needs_review | 1 |
<BLANKLINE>
"""

from __future__ import annotations

import html
import math
from typing import TYPE_CHECKING, Any

import pandas as pd

from netral_nlp.scoring.rules import BANDS, Rules

if TYPE_CHECKING:
    from netral_nlp.scoring.api import Assessments

__all__ = ["build_blocks", "render_html", "render_markdown"]

Block = tuple[Any, ...]
#: Actions listed per account (the strongest evidence first); the rest are in the evidence table.
MAX_EVIDENCE_ROWS = 100
#: Issues listed in the report; all are in the issues table.
MAX_ISSUES = 100
#: Accounts without indication listed by name (the rest are counted).
MAX_QUIET_ACCOUNTS = 50

_DISCLAIMER = (
    "Triage, not a verdict: this report ranks accounts by the evidence that they took sides in the election and "
    "lists that evidence so that a person can check it. The provisions cited are where to look, not a legal "
    "qualification; the ASN status, the account's identity and each item must be verified before any action."
)


def _cut(text: str, n: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def _time(ts: Any) -> str:
    if ts is None or ts is pd.NaT or (isinstance(ts, float) and math.isnan(ts)):
        return ""
    return pd.Timestamp(ts).strftime("%Y-%m-%d %H:%M %Z")


def _p(x: Any) -> str:
    return "" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.2f}"


def _who(row: Any) -> str:
    bits = [b for b in (row["name"], row["position"], row["agency"], row["region"]) if b]
    return ", ".join(bits)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _content(ev: Any, rules: Rules) -> str:
    """What the action was about: own text, the target's text, or the target account (as the
    action's sources in the rules file say which of them are evidence for it)."""
    chars = rules.text_chars
    act = rules.actions.get(ev["action"])
    parts = []
    if ev["text"] and (act is None or act.shows_own_text):
        parts.append(f"“{_cut(ev['text'], chars)}”")
    if ev["target_account"]:
        tag = " (campaign-team/contestant account)" if ev["target_is_campaign_account"] else ""
        parts.append(f"{act.target if act is not None else 'of'} {ev['target_account']}{tag}")
    if ev["target_text"] and (act is None or act.shows_target_text):
        parts.append(f"target: “{_cut(ev['target_text'], chars)}”")
    if ev["url"] or ev["post_id"]:
        parts.append(f"[{ev['url'] or ev['post_id']}]")
    return " ".join(parts) or "(no text)"


def _evidence_table(ev: list[dict[str, Any]], a: Assessments) -> Block:
    rules = a.rules
    rows = []
    for e in ev:
        when = f"{rules.periods[e['period']].label} ({e['regime']})" if e["status"] == "ok" else "not scored (see Input issues)"
        rows.append(
            [
                str(e["evidence_id"]),
                _time(e["timestamp"]),
                when,
                e["action"],
                _content(e, rules),
                _p(e["p_campaign"]),
                ", ".join(e["contestants"]),
                f"{e['strength']:.2f}",
                "; ".join(e["provisions"]),
            ]
        )
    return ("table", ["#", "time", "period (regime)", "action", "content", "p(campaign)", "pairs", "strength", "provisions"], rows)


def _actions_of(ev: list[dict[str, Any]], a: Assessments) -> list[Block]:
    """Every action of an account: its evidence first, strongest first, then the actions that gave
    none (a post below the threshold too), then those not scored; in time order within each."""

    def order(e: dict[str, Any]) -> tuple[int, float, Any]:
        ts = e["timestamp"] if e["timestamp"] is not None and e["timestamp"] is not pd.NaT else pd.Timestamp.max.tz_localize("UTC")
        return (0 if e["counted"] else 1 if e["status"] == "ok" else 2, -float(e["strength"]), ts)

    mine = sorted(ev, key=order)
    blocks: list[Block] = [_evidence_table(mine[:MAX_EVIDENCE_ROWS], a)]
    if len(mine) > MAX_EVIDENCE_ROWS:
        blocks.append(("p", f"{_plural(len(mine) - MAX_EVIDENCE_ROWS, 'more action')} in the evidence table."))
    return blocks


def build_blocks(a: Assessments) -> list[Block]:
    """The report as blocks: ``("h1"|"h2"|"h3"|"p"|"blockquote", text)``, ``("ul", items)``, ``("table", headers, rows)``."""
    acc, rules, election = a.accounts, a.rules, a.election
    counts = a.counts
    blocks: list[Block] = [
        ("h1", f"Neutrality screening: {election.name}"),
        ("blockquote", _DISCLAIMER),
        (
            "ul",
            [
                f"Election: {election.id} ({election.timezone}); campaign {election.calendar['campaign']['start']} to {election.calendar['campaign']['end']}, "
                f"candidates determined {election.calendar['candidate_determination']}",
                f"Rules: {rules.name} (version {rules.version}, {rules.source})",
                f"Model: {a.meta.get('model', 'unknown')}",
                f"Input: {_plural(counts['activity_rows'], 'action')}, {_plural(counts['accounts'], 'account')}; "
                f"{_plural(counts['invalid_rows'], 'action')} not scored ({counts['unattributed_rows']} without an account), see Input issues",
                f"Generated by netral_nlp {a.meta.get('netral_nlp_version', '')} at {a.meta.get('generated_at', '')}",
            ],
        ),
        ("h2", "Summary"),
        ("table", ["band", "accounts"], [[b, str(int((acc["band"] == b).sum()))] for b in BANDS]),
        (
            "p",
            "ASN status of the accounts: "
            + ", ".join(f"{s} {int(n)}" for s, n in acc["asn_status"].value_counts().sort_index().items())
            + "."
            if len(acc)
            else "No accounts.",
        ),
    ]

    flagged = acc[acc["band"] != "no_indication"]
    held = acc[(acc["band"] != acc["evidence_band"])]
    ev = a.evidence
    groups: dict[str, list[dict[str, Any]]] = {}
    listed = set(flagged["account_id"]) | set(held["account_id"])
    for e in ev[ev["account_id"].isin(listed)].to_dict("records"):
        groups.setdefault(e["account_id"], []).append(e)
    blocks.append(("h2", f"Flagged accounts ({len(flagged)})"))
    if not len(flagged):
        blocks.append(("p", "No account reached needs_review."))
    for rank, (_, row) in enumerate(flagged.iterrows(), start=1):
        who = _who(row)
        blocks.append(("h3", f"{rank}. {row['account_id']}" + (f": {who}" if who else "")))
        span = f"{_time(row['first_action'])} to {_time(row['last_action'])}" if row["n_actions"] else "no actions"
        blocks.append(
            (
                "ul",
                [
                    f"Band: {row['band']}, score {row['score']:.2f} (strongest single action {row['top_strength']:.2f})",
                    f"ASN status: {row['asn_status']}; {row['note']}",
                    "Provisions touched: " + ("; ".join(row["provisions"]) or "none"),
                    "Actions: "
                    + (", ".join(rule.count(row[f"n_{x}"]) for x, rule in rules.actions.items() if row[f"n_{x}"]) or "none scored")
                    + (f", {row['n_invalid']} not scored" if row["n_invalid"] else "")
                    + f"; {row['n_evidence']} with evidence; {span}",
                    "Pairs concerned: " + (", ".join(f"{c} ({election.pair(int(c)).name})" for c in row["contestants"]) or "none named"),
                ],
            )
        )
        if "ethics" in row["regimes"]:
            blocks.append(("p", f"Ethics regime: {rules.regimes['ethics'].label}."))
        blocks += _actions_of(groups.get(row["account_id"], []), a)

    if len(held):
        blocks.append(("h2", f"Evidence not banded because of the ASN status ({len(held)})"))
        blocks.append(
            (
                "table",
                ["account", "ASN status", "band", "evidence alone", "score", "note"],
                [
                    [r["account_id"], r["asn_status"], r["band"], r["evidence_band"], f"{r['score']:.2f}", r["note"]]
                    for _, r in held.iterrows()
                ],
            )
        )
        for _, row in held.iterrows():
            blocks.append(("h3", f"{row['account_id']} ({row['asn_status']}): listed for context, not banded"))
            blocks += _actions_of(groups.get(row["account_id"], []), a)

    quiet = acc[(acc["band"] == "no_indication") & (acc["band"] == acc["evidence_band"])]
    blocks.append(("h2", f"Accounts without indication ({len(quiet)})"))
    if len(quiet):
        shown = quiet.head(MAX_QUIET_ACCOUNTS)
        blocks.append(
            (
                "table",
                ["account", "ASN status", "score", "actions"],
                [[r["account_id"], r["asn_status"], f"{r['score']:.2f}", str(r["n_actions"])] for _, r in shown.iterrows()],
            )
        )
        if len(quiet) > MAX_QUIET_ACCOUNTS:
            blocks.append(("p", f"{len(quiet) - MAX_QUIET_ACCOUNTS} more in the accounts table."))

    blocks.append(("h2", f"Input issues ({len(a.issues)})"))
    if len(a.issues):
        shown_issues = a.issues.head(MAX_ISSUES)
        blocks.append(
            (
                "table",
                ["code", "severity", "where", "field", "message"],
                [[r["code"], r["severity"], r["location"], r["field"], r["message"]] for _, r in shown_issues.iterrows()],
            )
        )
        if len(a.issues) > MAX_ISSUES:
            blocks.append(("p", f"{len(a.issues) - MAX_ISSUES} more in the issues table."))
    else:
        blocks.append(("p", "None: every row was read and scored."))

    lv, nr = rules.bands["likely_violation"], rules.bands["needs_review"]
    blocks += [
        ("h2", "How to read this report"),
        (
            "ul",
            [
                "Each action gets a strength in [0, 1]: action weight × period weight × relevance, where relevance is p(campaign) of the text "
                f"concerned (counted from {rules.min_campaign_probability:.2f}) or 1 for a known campaign-team/contestant account.",
                "An account's score is a noisy-OR of its strengths, capped per action type so that many weak likes do not add up to a violation.",
                f"likely_violation: score ≥ {lv['min_score']:.2f} and one action ≥ {lv['min_top_strength']:.2f}; needs_review: score ≥ {nr['min_score']:.2f}. "
                "Non-ASN accounts are never banded as violations; an unknown status is at most needs_review.",
                "Before candidates are determined (bakal calon) the PNS code of ethics applies (PP 42/2004, moral sanction); after, the discipline rules "
                "(PP 94/2021 Pasal 5 huruf n). SKB 2/2022 lists the social-media acts concerned. See docs/scoring.md.",
            ],
        ),
    ]
    return blocks


# --- renderers --------------------------------------------------------------------------------


def _md_cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def render_markdown(blocks: list[Block]) -> str:
    """Render blocks as GitHub-flavoured Markdown."""
    out: list[str] = []
    for block in blocks:
        kind = block[0]
        if kind in ("h1", "h2", "h3"):
            out += ["#" * int(kind[1]) + " " + _md_cell(block[1]), ""]
        elif kind == "p":
            out += [block[1], ""]
        elif kind == "blockquote":
            out += ["> " + block[1], ""]
        elif kind == "ul":
            out += [f"- {item}" for item in block[1]] + [""]
        elif kind == "table":
            headers, rows = block[1], block[2]
            out.append("| " + " | ".join(map(_md_cell, headers)) + " |")
            out.append("| " + " | ".join("---" for _ in headers) + " |")
            out += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
            out.append("")
        else:  # pragma: no cover - blocks are built above
            raise ValueError(f"unknown block {kind!r}")
    return "\n".join(out)


_CSS = """
body { font-family: system-ui, sans-serif; max-width: 72rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; font-size: 0.9rem; }
th, td { border: 1px solid #ccc; padding: 0.3rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
blockquote { border-left: 4px solid #c60; margin: 1rem 0; padding: 0.2rem 1rem; background: #fff7ef; }
h3 { margin-top: 2rem; border-bottom: 1px solid #ddd; }
"""


def render_html(blocks: list[Block], *, title: str = "netral_nlp report") -> str:
    """Render blocks as one self-contained HTML page (every text escaped)."""
    e = html.escape
    body: list[str] = []
    for block in blocks:
        kind = block[0]
        if kind in ("h1", "h2", "h3"):
            body.append(f"<{kind}>{e(block[1])}</{kind}>")
        elif kind == "p":
            body.append(f"<p>{e(block[1])}</p>")
        elif kind == "blockquote":
            body.append(f"<blockquote>{e(block[1])}</blockquote>")
        elif kind == "ul":
            body.append("<ul>" + "".join(f"<li>{e(item)}</li>" for item in block[1]) + "</ul>")
        elif kind == "table":
            head = "".join(f"<th>{e(h)}</th>" for h in block[1])
            rows = "".join("<tr>" + "".join(f"<td>{e(str(c))}</td>" for c in row) + "</tr>" for row in block[2])
            body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>")
        else:  # pragma: no cover
            raise ValueError(f"unknown block {kind!r}")
    return (
        f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>{e(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n'
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )
