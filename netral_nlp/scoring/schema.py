"""Input schemas of the scoring API: reading and validating activity and accounts tables.

Both tables may be pandas DataFrames or files (CSV, JSONL, Parquet; ``.gz`` for CSV/JSONL).
Column names are matched case-insensitively. A missing required column or an unreadable file is
an :class:`~netral_nlp.errors.InputError`; a bad *row* becomes an :class:`Issue` that names the
file, the row and the field, and the row stays in the output marked ``invalid``: nothing is
dropped silently.

Activity, one row per action:

============== ======== =====================================================================
column         required meaning
============== ======== =====================================================================
account_id     yes      the acting account (as in the accounts table)
action         yes      an action of the rules file (shipped: post, comment, share, quote,
                        like, follow, join) or one of its aliases (reply, retweet, favorite...)
timestamp      yes      ISO 8601 (``2019-03-01T10:15:00+07:00``), Unix epoch seconds, or the
                        Twitter form ``Wed Oct 10 20:19:24 +0000 2018``; a timestamp without a
                        timezone is taken in the election's timezone (WIB, Asia/Jakarta, for
                        the shipped elections) and an issue says so
text           no       own post or comment (empty for like/follow)
target_account no       whose post was liked/shared/commented, or the account/group followed
target_text    no       the liked/shared/commented post's text, when known
post_id, url   no       carried to the evidence
p_campaign     no       p(campaign) of ``text`` already computed (skips the model for it)
target_p_campaign no    p(campaign) of ``target_text`` already computed
============== ======== =====================================================================

Accounts, one row per account: ``account_id`` and ``asn_status`` (pns, pppk, non_asn, unknown)
required; ``name``, ``agency``, ``region``, ``position`` optional.

>>> import pandas as pd
>>> act, issues = read_activity(pd.DataFrame({"account_id": ["a"], "action": ["like"], "timestamp": ["2019-03-01 10:00"],
...                                            "target_account": ["@jokowi"]}), timezone="Asia/Jakarta")
>>> str(act.loc[0, "timestamp"])
'2019-03-01 10:00:00+07:00'
>>> issues[0].code, issues[0].message
('E313', '1 timestamp(s) without a timezone (rows 1) taken as Asia/Jakarta (WIB)')
"""

from __future__ import annotations

import dataclasses
import datetime
import math
import re
import zoneinfo
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from netral_nlp.configfile import short_repr
from netral_nlp.errors import InputError
from netral_nlp.scoring.rules import ASN_STATUSES, Rules, load_rules
from netral_nlp.tables.formats import DEFAULT_ENCODING
from netral_nlp.tables.frame import read_frame
from netral_nlp.tables.rows import MAX_TEXT_CHARS, is_missing

__all__ = [
    "ACCOUNT_COLUMNS",
    "ACTIVITY_COLUMNS",
    "Issue",
    "read_accounts",
    "read_activity",
    "read_table",
]

#: Activity columns: name -> required.
ACTIVITY_COLUMNS: dict[str, bool] = {
    "account_id": True,
    "action": True,
    "timestamp": True,
    "text": False,
    "target_account": False,
    "target_text": False,
    "post_id": False,
    "url": False,
    "p_campaign": False,
    "target_p_campaign": False,
}
#: Accounts columns: name -> required.
ACCOUNT_COLUMNS: dict[str, bool] = {
    "account_id": True,
    "asn_status": True,
    "name": False,
    "agency": False,
    "region": False,
    "position": False,
}
#: Spellings of the ASN statuses found in registers (after lower-casing; spaces/hyphens -> ``_``).
STATUS_ALIASES: dict[str, str] = {
    "nonasn": "non_asn",
    "non": "non_asn",
    "bukan_asn": "non_asn",
    "": "unknown",
    "tidak_diketahui": "unknown",
    "na": "unknown",
    "n/a": "unknown",
}

#: Codes of the problems of an activity or accounts file, by kind of the table layer (see docs/scoring.md).
SCORING_CODES: dict[str, str] = {
    "not_found": "E301",
    "format": "E301",
    "columns": "E302",
    "unreadable": "E301",
    "json": "E303",
    "not_object": "E303",
    "bytes": "E305",
    "too_large": "E305",
    "too_deep": "E304",
    "csv_record": "E305",
    "cut": "E301",
}
# Stable codes of the per-row issues and file errors (see docs/scoring.md).
E_FILE = SCORING_CODES["not_found"]  # file missing, unreadable or of an unknown format
E_COLUMN = SCORING_CODES["columns"]  # required column missing
E_ACCOUNT_ID = "E310"  # empty account_id: row cannot be attributed
E_ACTION = "E311"  # unknown action
E_TIMESTAMP = "E312"  # missing or unparseable timestamp
E_NAIVE_TIME = "E313"  # timestamp without timezone: election timezone assumed
E_NO_TEXT = "E314"  # post/comment without text, like/share/follow/join without a target
E_UNKNOWN_ACCOUNT = "E315"  # account in activity but not in the accounts table
E_PROBABILITY = "E316"  # a given p_campaign is not a number in [0, 1]
E_TIME_RANGE = "E317"  # timestamp before EARLIEST_TIMESTAMP or in the future
E_TOO_LONG = "E318"  # a text longer than MAX_TEXT_CHARS
E_STATUS = "E320"  # unknown asn_status value: taken as unknown
E_DUPLICATE = "E321"  # account listed twice in the accounts table: first row kept

Severity = Literal["error", "warning", "note"]


@dataclasses.dataclass(frozen=True)
class Issue:
    """A problem with one input row (or a note on many rows). ``error`` rows are not scored.

    >>> Issue("activity", 3, "activity.csv row 3", "action", "E311", "error", "unknown action 'dance'").describe()
    "[E311] activity.csv row 3, field 'action': unknown action 'dance'"
    """

    table: str
    row: int | None
    location: str
    field: str
    code: str
    severity: Severity
    message: str
    account_id: str | None = None

    def describe(self) -> str:
        """One line, as in logs: ``[E311] activity.csv row 3, field 'action': ...``."""
        return f"[{self.code}] {self.location}, field {self.field!r}: {self.message}"


def _cell(value: Any) -> str:
    """A cell as a stripped string; missing values are ``""``."""
    if is_missing(value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # ids read as floats from CSV/Parquet: 123.0 -> "123"
    return str(value).strip()


# --- reading ----------------------------------------------------------------------------------


def read_table(source: pd.DataFrame | str | Path, *, name: str, encoding: str = DEFAULT_ENCODING) -> tuple[pd.DataFrame, list[str]]:
    """Read a table from a DataFrame or a file (by the table layer, :mod:`netral_nlp.tables`);
    returns it with a location per row: ``activity.csv:4`` (the line a row starts on; ``row N``
    of Parquet, ``item N`` of a JSON array), ``activity row 3`` for a DataFrame.

    Column names are lower-cased and stripped. ``name`` is used for DataFrames in messages.

    >>> df, where = read_table(pd.DataFrame({"Account_ID": ["a"]}), name="accounts")
    >>> list(df.columns), where
    (['account_id'], ['accounts row 1'])
    """
    if isinstance(source, pd.DataFrame):
        df = source.reset_index(drop=True)
        where = [f"{name} row {i + 1}" for i in range(len(df))]
    elif isinstance(source, (str, Path)):
        frame = read_frame(source, codes=SCORING_CODES, encoding=encoding)
        df, where = frame.data, frame.where
    else:
        raise TypeError(f"{name} must be a pandas DataFrame or a file path, got {type(source).__name__}")
    df = df.rename(columns=lambda c: str(c).strip().lower())
    dupes = sorted({c for c in df.columns if list(df.columns).count(c) > 1})
    if dupes:
        raise InputError(
            f"{_label(source, name)}: duplicated column(s) {dupes} (column names are matched case-insensitively)", code=E_COLUMN
        )
    return df, where


def _check_columns(df: pd.DataFrame, spec: dict[str, bool], label: str) -> None:
    if len(df) == 0 and len(df.columns) == 0:  # an empty JSONL file: no rows, so nothing is missing
        for c in spec:
            df[c] = pd.Series([], dtype=object)
        return
    missing = [c for c, required in spec.items() if required and c not in df.columns]
    if missing:
        raise InputError(
            f"{label}: required column(s) {missing} missing; found {list(map(str, df.columns))}; required: {[c for c, r in spec.items() if r]}",
            code=E_COLUMN,
        )


def _label(source: pd.DataFrame | str | Path, name: str) -> str:
    return name if isinstance(source, pd.DataFrame) else str(source)


# --- timestamps -------------------------------------------------------------------------------

_EPOCH = re.compile(r"^\d{9,13}(\.\d+)?$")
_TWITTER = "%a %b %d %H:%M:%S %z %Y"
#: Activity before this is not social-media activity of an election the rules cover (and
#: "0001-01-01" or "1970-01-01" are what broken exports write for a missing time).
EARLIEST_TIMESTAMP = pd.Timestamp("2000-01-01", tz="UTC")
#: How far past the current time a timestamp may lie (clocks and timezones differ a little);
#: anything later ("9999-12-31") is a placeholder, not a time.
FUTURE_TOLERANCE = pd.Timedelta(days=1)


def out_of_range(ts: pd.Timestamp) -> str | None:
    """Why a parsed timestamp cannot be an action's time, or None when it can.

    >>> out_of_range(pd.Timestamp("1999-12-31", tz="UTC"))
    'before 2000-01-01'
    >>> out_of_range(pd.Timestamp("9999-12-31", tz="UTC"))
    'in the future'
    >>> out_of_range(pd.Timestamp("2019-04-17", tz="UTC")) is None
    True
    """
    if ts < EARLIEST_TIMESTAMP:
        return f"before {EARLIEST_TIMESTAMP.date()}"
    if ts > pd.Timestamp.now(tz="UTC") + FUTURE_TOLERANCE:
        return "in the future"
    return None


def parse_timestamp(value: Any, tz: datetime.tzinfo) -> tuple[pd.Timestamp | None, bool]:
    """Parse one timestamp; returns ``(timestamp in tz, tz_assumed)`` or ``(None, False)``.

    >>> tz = zoneinfo.ZoneInfo("Asia/Jakarta")
    >>> parse_timestamp("2019-04-10T03:00:00Z", tz)
    (Timestamp('2019-04-10 10:00:00+0700', tz='Asia/Jakarta'), False)
    >>> parse_timestamp("kemarin", tz)
    (None, False)
    """
    try:
        return _parse_timestamp(value, tz)
    except (ValueError, OverflowError, TypeError):  # OutOfBoundsDatetime is a ValueError
        return None, False


def _parse_timestamp(value: Any, tz: datetime.tzinfo) -> tuple[pd.Timestamp | None, bool]:
    if is_missing(value):
        return None, False
    ts: Any
    if isinstance(value, (pd.Timestamp, datetime.datetime)):
        ts = pd.Timestamp(value)
    elif isinstance(value, datetime.date):
        ts = pd.Timestamp(datetime.datetime.combine(value, datetime.time()))
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        ts = _from_epoch(float(value))
    else:
        s = str(value).strip()
        if not s:
            return None, False
        if _EPOCH.match(s):
            ts = _from_epoch(float(s))
        else:
            try:
                ts = pd.Timestamp(datetime.datetime.fromisoformat(s.replace("Z", "+00:00") if s.endswith("Z") else s))
            except ValueError:
                try:
                    ts = pd.Timestamp(datetime.datetime.strptime(s, _TWITTER))
                except ValueError:
                    return None, False
    if ts is None or ts is pd.NaT:
        return None, False
    if ts.tzinfo is None:
        return ts.tz_localize(tz), True
    return ts.tz_convert(tz), False


def _from_epoch(x: float) -> pd.Timestamp | None:
    if not math.isfinite(x) or x < 0:
        return None
    # Epochs after 2286 in seconds are milliseconds; scraped exports use both.
    return pd.Timestamp(x / 1000 if x > 1e10 else x, unit="s", tz="UTC")


# --- activity ---------------------------------------------------------------------------------


def _probability(value: Any) -> float | Literal[False] | None:
    """A given probability, ``None`` when absent, ``False`` when not a number in [0, 1]."""
    s = _cell(value)
    if not s:
        return None
    try:
        p = float(s)
    except ValueError:
        return False
    return p if 0.0 <= p <= 1.0 else False


def read_activity(
    activity: pd.DataFrame | str | Path,
    *,
    timezone: str = "Asia/Jakarta",
    encoding: str = DEFAULT_ENCODING,
    rules: Rules | None = None,
) -> tuple[pd.DataFrame, list[Issue]]:
    """Read and validate the activity table.

    Returns one row per input row, in input order, with the columns of :data:`ACTIVITY_COLUMNS`
    (missing optional ones empty) plus ``source_row`` (1-based), ``location``, ``valid`` (False
    when the row cannot be scored), ``timestamp_tz_assumed`` and ``issue`` (the row's problems).
    The issues list names each problem. A missing required column raises
    :class:`~netral_nlp.errors.InputError` (``E302``). The actions, their aliases and what a row
    of each needs come from ``rules`` (None: the shipped rules).

    >>> act, _ = read_activity(pd.DataFrame({"account_id": ["a"], "action": ["retweet"], "timestamp": ["2019-03-01T10:00:00+07:00"]}))
    >>> act.loc[0, "action"], bool(act.loc[0, "valid"])
    ('share', True)
    """
    rules = load_rules(rules)
    label = _label(activity, "activity")
    df, where = read_table(activity, name="activity", encoding=encoding)
    _check_columns(df, ACTIVITY_COLUMNS, label)
    try:
        tz = zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        raise InputError(f"unknown timezone {short_repr(timezone)}; use an IANA name such as Asia/Jakarta", code="E120") from None
    issues: list[Issue] = []
    records: list[dict[str, Any]] = []
    naive_rows: list[int] = []
    columns = {c: df[c].tolist() if c in df.columns else [None] * len(df) for c in ACTIVITY_COLUMNS}
    for i in range(len(df)):
        row = {c: columns[c][i] for c in ACTIVITY_COLUMNS}
        loc = where[i]
        account = _cell(row["account_id"]) or None
        found: list[Issue] = []

        def add(
            field: str,
            code: str,
            severity: Severity,
            message: str,
            *,
            _found: list[Issue] = found,
            _i: int = i,
            _loc: str = loc,
            _acc: str | None = account,
        ) -> None:
            _found.append(Issue("activity", _i + 1, _loc, field, code, severity, message, _acc))

        if account is None:
            add("account_id", E_ACCOUNT_ID, "error", "empty account_id: the action cannot be attributed to an account")
        raw_action = _cell(row["action"]).lower()
        action = rules.action_of(raw_action)
        if action is None:
            add("action", E_ACTION, "error", f"unknown action {short_repr(raw_action)}; expected one of {list(rules.actions)} or an alias")
        ts, assumed = parse_timestamp(row["timestamp"], tz)
        why = out_of_range(ts) if ts is not None else None
        if why is not None:
            add(
                "timestamp",
                E_TIME_RANGE,
                "error",
                f"timestamp {short_repr(_cell(row['timestamp']))} is {why}: not the time of an action; fix the export's times",
            )
            ts, assumed = None, False
        elif ts is None:
            shown = _cell(row["timestamp"])
            add(
                "timestamp",
                E_TIMESTAMP,
                "error",
                f"cannot parse timestamp {short_repr(shown)}; use ISO 8601 such as 2019-03-01T10:15:00+07:00"
                if shown
                else "timestamp missing",
            )
        elif assumed:
            naive_rows.append(i + 1)
        text = _cell(row["text"])
        target_account = _cell(row["target_account"])
        target_text = _cell(row["target_text"])
        for field, value in (("text", text), ("target_text", target_text)):
            if len(value) > MAX_TEXT_CHARS:
                add(field, E_TOO_LONG, "error", f"{len(value)} characters long, more than the {MAX_TEXT_CHARS} a post can have")
        p_text, p_target = _probability(row["p_campaign"]), _probability(row["target_p_campaign"])
        for field, p in (("p_campaign", p_text), ("target_p_campaign", p_target)):
            if p is False:
                add(
                    field,
                    E_PROBABILITY,
                    "warning",
                    f"{short_repr(_cell(row[field]))} is not a probability in [0, 1]; the model is used instead",
                )
        valid = all(iss.severity != "error" for iss in found)
        if valid and action is not None:
            needs = rules.actions[action].requires
            given = {"text": text, "target_text": target_text, "target_account": target_account}
            if not any(given[c] for c in needs):
                add(needs[0], E_NO_TEXT, "warning", f"{action} without {' or '.join(needs)}: nothing to assess")
        issues.extend(found)
        records.append(
            {
                "source_row": i + 1,
                "location": loc,
                "account_id": account,
                "action": action if action is not None else raw_action,
                "timestamp": ts,
                "timestamp_tz_assumed": assumed,
                "text": text,
                "target_account": target_account,
                "target_text": target_text,
                "post_id": _cell(row["post_id"]),
                "url": _cell(row["url"]),
                "p_campaign_given": p_text if isinstance(p_text, float) else None,
                "target_p_campaign_given": p_target if isinstance(p_target, float) else None,
                "valid": valid,
                "issue": "; ".join(f"[{x.code}] {x.message}" for x in found),
            }
        )
    if naive_rows:
        shown = ", ".join(map(str, naive_rows[:10])) + (", ..." if len(naive_rows) > 10 else "")
        issues.append(
            Issue(
                "activity",
                None,
                label,
                "timestamp",
                E_NAIVE_TIME,
                "note",
                f"{len(naive_rows)} timestamp(s) without a timezone (rows {shown}) taken as {timezone}"
                + (" (WIB)" if timezone == "Asia/Jakarta" else ""),
            )
        )
    out = pd.DataFrame.from_records(records, columns=_ACTIVITY_OUT)
    out["timestamp"] = (
        pd.to_datetime(out["timestamp"].tolist(), utc=True).tz_convert(timezone)
        if len(out)
        else pd.Series([], dtype=f"datetime64[ns, {timezone}]")
    )
    return out, issues


_ACTIVITY_OUT = [
    "source_row",
    "location",
    "account_id",
    "action",
    "timestamp",
    "timestamp_tz_assumed",
    "text",
    "target_account",
    "target_text",
    "post_id",
    "url",
    "p_campaign_given",
    "target_p_campaign_given",
    "valid",
    "issue",
]


# --- accounts ---------------------------------------------------------------------------------


def normalize_status(value: Any) -> str | None:
    """An ASN status in canonical form, or None when unrecognised.

    >>> normalize_status("Non-ASN"), normalize_status(" PNS "), normalize_status("honorer")
    ('non_asn', 'pns', None)
    """
    s = re.sub(r"[\s-]+", "_", _cell(value).lower())
    s = STATUS_ALIASES.get(s, s)
    return s if s in ASN_STATUSES else None


def read_accounts(accounts: pd.DataFrame | str | Path, *, encoding: str = DEFAULT_ENCODING) -> tuple[pd.DataFrame, list[Issue]]:
    """Read and validate the accounts table; returns one row per distinct account and the issues.

    An unrecognised ``asn_status`` is taken as ``unknown`` (warning ``E320``); a second row for
    the same account is reported (``E321``) and the first row kept; a row without
    ``account_id`` is reported (``E310``).

    >>> acc, issues = read_accounts(pd.DataFrame({"account_id": ["a", "b"], "asn_status": ["PNS", "honorer"]}))
    >>> acc["asn_status"].tolist(), issues[0].code
    (['pns', 'unknown'], 'E320')
    """
    label = _label(accounts, "accounts")
    df, where = read_table(accounts, name="accounts", encoding=encoding)
    _check_columns(df, ACCOUNT_COLUMNS, label)
    issues: list[Issue] = []
    seen: dict[str, int] = {}
    records: list[dict[str, Any]] = []
    cols = {c: df[c].tolist() if c in df.columns else [None] * len(df) for c in ACCOUNT_COLUMNS}
    for i in range(len(df)):
        account = _cell(cols["account_id"][i])
        if not account:
            issues.append(Issue("accounts", i + 1, where[i], "account_id", E_ACCOUNT_ID, "error", "empty account_id: row ignored"))
            continue
        if account in seen:
            issues.append(
                Issue(
                    "accounts",
                    i + 1,
                    where[i],
                    "account_id",
                    E_DUPLICATE,
                    "warning",
                    f"account {short_repr(account)} already listed at row {seen[account]}; this row ignored",
                    account,
                )
            )
            continue
        seen[account] = i + 1
        status = normalize_status(cols["asn_status"][i])
        if status is None:
            issues.append(
                Issue(
                    "accounts",
                    i + 1,
                    where[i],
                    "asn_status",
                    E_STATUS,
                    "warning",
                    f"unknown asn_status {short_repr(_cell(cols['asn_status'][i]))}, taken as 'unknown'; expected one of {list(ASN_STATUSES)}",
                    account,
                )
            )
            status = "unknown"
        records.append(
            {
                "account_id": account,
                "asn_status": status,
                **{c: _cell(cols[c][i]) for c in ("name", "agency", "region", "position")},
                "in_accounts_table": True,
            }
        )
    out = pd.DataFrame.from_records(
        records, columns=["account_id", "asn_status", "name", "agency", "region", "position", "in_accounts_table"]
    )
    return out, issues
