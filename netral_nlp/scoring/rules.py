"""Neutrality rules as data: weights, caps, thresholds and the provisions they cite.

The shipped policy is ``netral_nlp/resources/rules/neutrality.yaml``; a user's file has the same
schema. Files are read with a safe YAML loader (nothing in them is executed; no anchors, aliases or
duplicated keys, see :mod:`netral_nlp.configfile`) and validated field by field, so a typo is an
:class:`~netral_nlp.errors.InputError` (``E330``) naming the file and the field.

>>> rules = load_rules()
>>> rules.actions["like"].cap
0.6
>>> rules.periods["registration_to_determination"].regime
'ethics'
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from netral_nlp.configfile import load_config_file, load_config_text, short_repr
from netral_nlp.elections import PERIODS
from netral_nlp.errors import InputError

__all__ = [
    "ACTIONS",
    "ASN_STATUSES",
    "BANDS",
    "SOURCES",
    "ActionRule",
    "PeriodRule",
    "Provision",
    "Regime",
    "Rules",
    "StatusRule",
    "load_rules",
]

#: Action types of the activity schema, the order in which reports list them.
ACTIONS: tuple[str, ...] = ("post", "comment", "share", "like", "follow", "join")
#: ASN statuses of the accounts schema.
ASN_STATUSES: tuple[str, ...] = ("pns", "pppk", "non_asn", "unknown")
#: Bands, from the most to the least serious.
BANDS: tuple[str, ...] = ("likely_violation", "needs_review", "no_indication")
#: Where the relevance of an action can come from (see ``actions.*.sources`` in the rules file).
SOURCES: tuple[str, ...] = ("own_text", "target_text", "target_account")
#: Error code of an invalid rules file.
RULES_ERROR = "E330"
#: Name of the shipped rules file (under ``netral_nlp/resources/rules``).
DEFAULT_RULES = "neutrality.yaml"


@dataclasses.dataclass(frozen=True)
class Provision:
    """A legal provision the evidence can touch (``short`` is what reports cite)."""

    id: str
    short: str
    title: str
    summary: str


@dataclasses.dataclass(frozen=True)
class ActionRule:
    """How much one action of a type weighs, where its relevance comes from, and its cap."""

    name: str
    description: str
    weight: float
    cap: float
    sources: Mapping[str, float]
    provisions: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class PeriodRule:
    """A period of the election calendar: which regime applies and how much it weighs."""

    name: str
    label: str
    regime: str
    weight: float


@dataclasses.dataclass(frozen=True)
class Regime:
    """A set of rules that applies in some periods (``ethics`` before determination, ``discipline`` after)."""

    name: str
    label: str
    sanction: str
    provisions: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class StatusRule:
    """What an ASN status allows: the most serious band it can receive, and a note for reports."""

    name: str
    max_band: str
    note: str


@dataclasses.dataclass(frozen=True)
class Rules:
    """A validated rules file. Build it with :func:`load_rules`.

    >>> rules = load_rules()
    >>> rules.bands["likely_violation"]["min_score"]
    0.7
    >>> rules.provisions["pp_94_2021_5n"].short
    'PP 94/2021 Pasal 5 huruf n'
    """

    version: int
    name: str
    description: str
    min_campaign_probability: float
    no_contestant_factor: float
    actions: Mapping[str, ActionRule]
    periods: Mapping[str, PeriodRule]
    regimes: Mapping[str, Regime]
    provisions: Mapping[str, Provision]
    statuses: Mapping[str, StatusRule]
    bands: Mapping[str, Mapping[str, float]]
    top_evidence: int = 5
    text_chars: int = 280
    source: str = ""

    def provisions_for(self, action: str, period: str) -> tuple[str, ...]:
        """Ids of the provisions an action of this type touches in this period, in citing order.

        >>> load_rules().provisions_for("post", "campaign")
        ('skb_2_2022', 'pp_94_2021_5n')
        """
        ids = [*self.actions[action].provisions, *self.regimes[self.periods[period].regime].provisions]
        return tuple(dict.fromkeys(ids))

    def cite(self, ids: tuple[str, ...] | list[str]) -> list[str]:
        """Short citations of provision ids (``["SKB 2/2022", ...]``)."""
        return [self.provisions[i].short for i in ids]


# --- validation -------------------------------------------------------------------------------


def _fail(where: str, message: str) -> InputError:
    return InputError(f"{where}: {message}", code=RULES_ERROR)


def _mapping(value: Any, where: str, *, allowed: set[str] | None = None, required: tuple[str, ...] = ()) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail(where, f"expected a mapping, got {type(value).__name__}")
    if allowed is not None:
        unknown = sorted(map(str, set(value) - allowed))
        if unknown:
            raise _fail(where, f"unknown field(s) {unknown}; allowed: {sorted(allowed)}")
    missing = [k for k in required if k not in value]
    if missing:
        raise _fail(where, f"missing field(s) {missing}")
    return value


def _unit(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= float(value) <= 1.0:
        raise _fail(where, f"expected a number in [0, 1], got {short_repr(value)}")
    return float(value)


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fail(where, f"expected a non-empty string, got {short_repr(value)}")
    return " ".join(value.split())


def _ids(value: Any, where: str, known: Mapping[str, Any]) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(where, f"expected a list of provision ids, got {short_repr(value)}")
    for v in value:
        if v not in known:
            raise _fail(where, f"unknown provision {short_repr(v)}; defined: {sorted(known)}")
    return tuple(value)


def _exact_keys(value: dict[str, Any], expected: tuple[str, ...], where: str) -> None:
    missing = [k for k in expected if k not in value]
    unknown = sorted(set(value) - set(expected))
    if missing or unknown:
        raise _fail(where, f"expected exactly {list(expected)}; missing {missing}, unknown {unknown}")


def _parse(raw: Any, source: str) -> Rules:
    top = _mapping(
        raw,
        source,
        allowed={
            "version",
            "name",
            "description",
            "evidence",
            "actions",
            "periods",
            "regimes",
            "provisions",
            "statuses",
            "bands",
            "report",
        },
        required=("version", "evidence", "actions", "periods", "regimes", "provisions", "statuses", "bands"),
    )
    if isinstance(top["version"], bool) or top["version"] != 1:
        raise _fail(f"{source}: version", f"this library reads rules version 1, got {short_repr(top['version'])}")

    provisions: dict[str, Provision] = {}
    for pid, p in _mapping(top["provisions"], f"{source}: provisions").items():
        w = f"{source}: provisions.{pid}"
        p = _mapping(p, w, allowed={"short", "title", "summary"}, required=("short", "title"))
        provisions[pid] = Provision(
            str(pid), _text(p["short"], f"{w}.short"), _text(p["title"], f"{w}.title"), _text(p.get("summary", p["title"]), f"{w}.summary")
        )

    ev = _mapping(
        top["evidence"],
        f"{source}: evidence",
        allowed={"min_campaign_probability", "no_contestant_factor"},
        required=("min_campaign_probability",),
    )

    acts = _mapping(top["actions"], f"{source}: actions")
    _exact_keys(acts, ACTIONS, f"{source}: actions")
    actions: dict[str, ActionRule] = {}
    for name in ACTIONS:
        w = f"{source}: actions.{name}"
        a = _mapping(
            acts[name],
            w,
            allowed={"description", "weight", "cap", "sources", "provisions"},
            required=("weight", "cap", "sources", "provisions"),
        )
        srcs = _mapping(a["sources"], f"{w}.sources", allowed=set(SOURCES))
        if not srcs:
            raise _fail(f"{w}.sources", f"give at least one of {list(SOURCES)}")
        actions[name] = ActionRule(
            name=name,
            description=_text(a.get("description", name), f"{w}.description"),
            weight=_unit(a["weight"], f"{w}.weight"),
            cap=_unit(a["cap"], f"{w}.cap"),
            sources={k: _unit(v, f"{w}.sources.{k}") for k, v in srcs.items()},
            provisions=_ids(a["provisions"], f"{w}.provisions", provisions),
        )

    regs = _mapping(top["regimes"], f"{source}: regimes")
    regimes: dict[str, Regime] = {}
    for name, r in regs.items():
        w = f"{source}: regimes.{name}"
        r = _mapping(r, w, allowed={"label", "sanction", "provisions"}, required=("label", "sanction", "provisions"))
        regimes[name] = Regime(
            str(name),
            _text(r["label"], f"{w}.label"),
            _text(r["sanction"], f"{w}.sanction"),
            _ids(r["provisions"], f"{w}.provisions", provisions),
        )

    pers = _mapping(top["periods"], f"{source}: periods")
    _exact_keys(pers, PERIODS, f"{source}: periods")
    periods: dict[str, PeriodRule] = {}
    for name in PERIODS:
        w = f"{source}: periods.{name}"
        p = _mapping(pers[name], w, allowed={"label", "regime", "weight"}, required=("regime", "weight"))
        if p["regime"] not in regimes:
            raise _fail(f"{w}.regime", f"unknown regime {short_repr(p['regime'])}; defined: {sorted(regimes)}")
        periods[name] = PeriodRule(
            name, _text(p.get("label", name.replace("_", " ")), f"{w}.label"), p["regime"], _unit(p["weight"], f"{w}.weight")
        )

    sts = _mapping(top["statuses"], f"{source}: statuses")
    _exact_keys(sts, ASN_STATUSES, f"{source}: statuses")
    statuses: dict[str, StatusRule] = {}
    for name in ASN_STATUSES:
        w = f"{source}: statuses.{name}"
        s = _mapping(sts[name], w, allowed={"max_band", "note"}, required=("max_band",))
        if s["max_band"] not in BANDS:
            raise _fail(f"{w}.max_band", f"expected one of {list(BANDS)}, got {short_repr(s['max_band'])}")
        statuses[name] = StatusRule(name, s["max_band"], _text(s.get("note", name), f"{w}.note"))

    bands_raw = _mapping(
        top["bands"], f"{source}: bands", allowed={"likely_violation", "needs_review"}, required=("likely_violation", "needs_review")
    )
    lv = _mapping(
        bands_raw["likely_violation"],
        f"{source}: bands.likely_violation",
        allowed={"min_score", "min_top_strength"},
        required=("min_score",),
    )
    nr = _mapping(bands_raw["needs_review"], f"{source}: bands.needs_review", allowed={"min_score"}, required=("min_score",))
    bands = {
        "likely_violation": {
            "min_score": _unit(lv["min_score"], f"{source}: bands.likely_violation.min_score"),
            "min_top_strength": _unit(lv.get("min_top_strength", 0.0), f"{source}: bands.likely_violation.min_top_strength"),
        },
        "needs_review": {"min_score": _unit(nr["min_score"], f"{source}: bands.needs_review.min_score")},
    }
    if bands["needs_review"]["min_score"] > bands["likely_violation"]["min_score"]:
        raise _fail(f"{source}: bands", "needs_review.min_score must not be above likely_violation.min_score")

    rep = _mapping(top.get("report") or {}, f"{source}: report", allowed={"top_evidence", "text_chars"})
    for key in rep:
        if isinstance(rep[key], bool) or not isinstance(rep[key], int) or rep[key] < 1:
            raise _fail(f"{source}: report.{key}", f"expected a positive integer, got {short_repr(rep[key])}")

    return Rules(
        version=1,
        name=str(top.get("name", Path(source).stem)),
        description=" ".join(str(top.get("description", "")).split()),
        min_campaign_probability=_unit(ev["min_campaign_probability"], f"{source}: evidence.min_campaign_probability"),
        no_contestant_factor=_unit(ev.get("no_contestant_factor", 1.0), f"{source}: evidence.no_contestant_factor"),
        actions=actions,
        periods=periods,
        regimes=regimes,
        provisions=provisions,
        statuses=statuses,
        bands=bands,
        top_evidence=int(rep.get("top_evidence", 5)),
        text_chars=int(rep.get("text_chars", 280)),
        source=source,
    )


def load_rules(rules: str | Path | Rules | None = None) -> Rules:
    """Load the shipped rules (``None``), a user's YAML/JSON rules file, or pass a :class:`Rules` through.

    >>> load_rules().name
    'neutrality-asn'
    """
    if isinstance(rules, Rules):
        return rules

    def fail(message: str) -> InputError:
        return InputError(message, code=RULES_ERROR)

    # JSON is a subset of YAML; the loader builds no Python objects (see netral_nlp.configfile).
    if rules is None:
        text = resources.files("netral_nlp").joinpath(f"resources/rules/{DEFAULT_RULES}").read_text(encoding="utf-8")
        return _parse(load_config_text(text, source=DEFAULT_RULES, fail=fail), DEFAULT_RULES)
    if isinstance(rules, (str, Path)):
        path = Path(rules)
        if not path.is_file():
            raise InputError(f"{path}: rules file not found", code=RULES_ERROR)
        return _parse(load_config_file(path, fail=fail), str(path))
    raise TypeError(f"rules must be None, a path or a Rules object, got {type(rules).__name__}")
