"""Scoring: from posts and account context to explained per-account assessments.

A supervisor needs a short, ranked list of civil servants (ASN) whose activity likely breaks the
neutrality rules, with the evidence to check. :func:`score` takes the activity (one row per post,
comment, share, like, follow or join), the accounts (with their ASN status) and an election
config, classifies the texts, and returns :class:`Assessments`: per-action ``evidence`` and
per-account ``accounts`` (band, score, provisions touched, top evidence), plus Markdown/HTML
reports. The weights, caps and thresholds are data (``netral_nlp/resources/rules/neutrality.yaml``);
docs/scoring.md documents them.

>>> import pandas as pd
>>> from netral_nlp.scoring import score
>>> activity = pd.DataFrame({"account_id": ["budi"], "action": ["follow"],
...                          "timestamp": ["2019-01-05 09:00"], "target_account": ["@TKN_Jokowi"]})
>>> accounts = pd.DataFrame({"account_id": ["budi"], "asn_status": ["pns"]})
>>> result = score(activity, accounts, election="pilpres-2019", errors="ignore")
>>> result.accounts.loc[0, "band"]
'needs_review'
"""

from __future__ import annotations

from netral_nlp.scoring.api import Assessments, ScoringWarning, score
from netral_nlp.scoring.assess import combine
from netral_nlp.scoring.rules import ACTIONS, ASN_STATUSES, BANDS, Rules, load_rules
from netral_nlp.scoring.schema import ACCOUNT_COLUMNS, ACTIVITY_COLUMNS, Issue, read_accounts, read_activity

__all__ = [
    "ACCOUNT_COLUMNS",
    "ACTIONS",
    "ACTIVITY_COLUMNS",
    "ASN_STATUSES",
    "BANDS",
    "Assessments",
    "Issue",
    "Rules",
    "ScoringWarning",
    "combine",
    "load_rules",
    "read_accounts",
    "read_activity",
    "score",
]
