"""Neutrality rules as data: the actions, weights, caps, thresholds and the provisions they cite.

The shipped policy is ``netral_nlp/resources/rules/neutrality.yaml``; a user's file has the same
schema. Files are read with a safe YAML loader (nothing in them is executed; no anchors, aliases or
duplicated keys, see :mod:`netral_nlp.configfile`) and validated field by field, so a typo is an
:class:`~netral_nlp.errors.InputError` (``E330``) naming the file and the field.

The action vocabulary is data too: each action of the ``actions`` section says the words scraped
data uses for it (``aliases``), the columns a row of it needs (``requires``), and how reports and
explanations word it (``wording``). Reading the activity, explaining the evidence and writing the
reports take all of it from here, so an action is added by adding it to the file. A user's file
gives only what it changes: an action, provision or field it leaves out takes the shipped default
(a file written before an action was added keeps working, and gets that action as shipped).

>>> rules = load_rules()
>>> rules.actions["like"].cap
0.6
>>> rules.action_of("retweet"), rules.actions["like"].count(2)
('share', '2 likes')
>>> rules.periods["registration_to_determination"].regime
'ethics'
"""

from __future__ import annotations

import dataclasses
import re
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

#: ASN statuses of the accounts schema.
ASN_STATUSES: tuple[str, ...] = ("pns", "pppk", "non_asn", "unknown")
#: Bands, from the most to the least serious.
BANDS: tuple[str, ...] = ("likely_violation", "needs_review", "no_indication")
#: Where the relevance of an action can come from (see ``actions.*.sources`` in the rules file).
SOURCES: tuple[str, ...] = ("own_text", "target_text", "target_account")
#: The activity column each source reads: what ``actions.*.requires`` may name.
SOURCE_COLUMNS: dict[str, str] = {"own_text": "text", "target_text": "target_text", "target_account": "target_account"}
#: Fields of an action's ``wording``: the word for one and for many, the word before its target
#: account ("comment on @x", "like of @x"), and the sentence said when it gives no evidence.
WORDING_FIELDS: tuple[str, ...] = ("one", "many", "target", "no_evidence")
#: Error code of an invalid rules file.
RULES_ERROR = "E330"
#: Name of the shipped rules file (under ``netral_nlp/resources/rules``).
DEFAULT_RULES = "neutrality.yaml"
#: Fields of an action: its policy, which a user's entry for it must give, and its vocabulary.
POLICY_FIELDS: frozenset[str] = frozenset({"weight", "cap", "sources", "provisions"})
ACTION_FIELDS: set[str] = {*POLICY_FIELDS, "description", "aliases", "requires", "wording"}


@dataclasses.dataclass(frozen=True)
class Provision:
    """A legal provision the evidence can touch (``short`` is what reports cite)."""

    id: str
    short: str
    title: str
    summary: str


@dataclasses.dataclass(frozen=True)
class ActionRule:
    """One action type: how much one action of it weighs, where its relevance comes from, its cap,
    the words data uses for it, what a row of it needs, and how reports word it.

    >>> like = load_rules().actions["like"]
    >>> like.aliases[:2], like.requires, like.count(1), like.count(3)
    (('favorite', 'favourite'), ('target_text', 'target_account', 'text'), '1 like', '3 likes')
    """

    name: str
    description: str
    weight: float
    cap: float
    sources: Mapping[str, float]
    provisions: tuple[str, ...]
    #: Other words for it in scraped data (``retweet`` for ``share``), lower case.
    aliases: tuple[str, ...] = ()
    #: Columns of the activity table of which a row of this action needs at least one.
    requires: tuple[str, ...] = ("text",)
    #: The word for one action and for several (``like``/``likes``).
    one: str = ""
    many: str = ""
    #: The word before the target account in sentences (``on`` for a comment, ``of`` for a like).
    target: str = "of"
    #: Why such an action gives no evidence, when it gives none (else a sentence on p(campaign)).
    no_evidence: str = ""

    def count(self, n: int) -> str:
        """``"1 like"``, ``"2 likes"``."""
        return f"{n} {self.one if n == 1 else self.many}"

    @property
    def shows_own_text(self) -> bool:
        """Whether the account's own text is evidence for it (a post, a comment, a quote)."""
        return "own_text" in self.sources

    @property
    def shows_target_text(self) -> bool:
        """Whether the target's text is evidence for it (a share, a like, a comment)."""
        return "target_text" in self.sources


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

    def action_of(self, word: str) -> str | None:
        """The action a word of scraped data stands for (a name or an alias, any case), or None.

        >>> load_rules().action_of("Favorite"), load_rules().action_of("dance")
        ('like', None)
        """
        word = word.strip().lower()
        if word in self.actions:
            return word
        return next((name for name, a in self.actions.items() if word in a.aliases), None)

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


def _action(name: str, a: dict[str, Any], w: str, provisions: Mapping[str, Provision]) -> ActionRule:
    srcs = _mapping(a["sources"], f"{w}.sources", allowed=set(SOURCES))
    if not srcs:
        raise _fail(f"{w}.sources", f"give at least one of {list(SOURCES)}")
    requires = a.get("requires", [SOURCE_COLUMNS[k] for k in SOURCES if k in srcs])
    if not isinstance(requires, list) or not requires or any(r not in SOURCE_COLUMNS.values() for r in requires):
        raise _fail(f"{w}.requires", f"expected a list of one or more of {list(SOURCE_COLUMNS.values())}, got {short_repr(requires)}")
    aliases = a.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(x, str) and x.strip() for x in aliases):
        raise _fail(f"{w}.aliases", f"expected a list of words, got {short_repr(aliases)}")
    wording = _mapping(a.get("wording", {}), f"{w}.wording", allowed=set(WORDING_FIELDS))
    return ActionRule(
        name=name,
        description=_text(a.get("description", name), f"{w}.description"),
        weight=_unit(a["weight"], f"{w}.weight"),
        cap=_unit(a["cap"], f"{w}.cap"),
        sources={k: _unit(v, f"{w}.sources.{k}") for k, v in srcs.items()},
        provisions=_ids(a["provisions"], f"{w}.provisions", provisions),
        aliases=tuple(x.strip().lower() for x in aliases),
        requires=tuple(requires),
        one=_text(wording.get("one", name), f"{w}.wording.one"),
        many=_text(wording.get("many", f"{name}s"), f"{w}.wording.many"),
        target=_text(wording.get("target", "of"), f"{w}.wording.target"),
        no_evidence=_text(wording["no_evidence"], f"{w}.wording.no_evidence") if "no_evidence" in wording else "",
    )


def _check_words(actions: Mapping[str, ActionRule], where: str) -> None:
    """Every name and alias stands for one action only."""
    owner: dict[str, str] = {}
    for name, a in actions.items():
        if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
            raise _fail(f"{where}.{name}", "an action name is lower-case letters, digits and _ (it becomes a column, n_<action>)")
        for word in (name, *a.aliases):
            if word in owner and owner[word] != name:
                other = owner[word]
                raise _fail(
                    f"{where}.{name}",
                    f"{word!r} already stands for action {other!r}"
                    + (f"; to count it as {other}, list it under actions.{other}.aliases" if word == name else ""),
                )
            owner[word] = name


def _parse(raw: Any, source: str, defaults: dict[str, Any] | None = None) -> Rules:
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
    given_provisions = _mapping(top["provisions"], f"{source}: provisions")
    shipped_provisions = {k: v for k, v in (defaults or {}).get("provisions", {}).items() if k not in given_provisions}
    for pid, p in {**shipped_provisions, **given_provisions}.items():
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
    shipped = _mapping(defaults.get("actions", {}), "shipped actions") if defaults else {}
    names = [*shipped, *(n for n in acts if n not in shipped)]
    actions: dict[str, ActionRule] = {}
    for name in names:
        w = f"{source}: actions.{name}"
        if name in acts:
            # what the user's entry leaves out of the vocabulary (aliases, requires, wording,
            # description) is as shipped; its policy (weight, cap, sources, provisions) it gives
            given = _mapping(acts[name], w, allowed=ACTION_FIELDS, required=("weight", "cap", "sources", "provisions"))
            entry = {**{k: v for k, v in shipped.get(name, {}).items() if k not in POLICY_FIELDS}, **given}
        else:
            entry, w = shipped[name], f"{DEFAULT_RULES} (shipped default): actions.{name}"
        actions[str(name)] = _action(str(name), entry, w, provisions)
    _check_words(actions, f"{source}: actions")
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


def _shipped_raw() -> dict[str, Any]:
    text = resources.files("netral_nlp").joinpath(f"resources/rules/{DEFAULT_RULES}").read_text(encoding="utf-8")
    raw: dict[str, Any] = load_config_text(text, source=DEFAULT_RULES, fail=_rules_error)
    return raw


def _rules_error(message: str) -> InputError:
    return InputError(message, code=RULES_ERROR)


def load_rules(rules: str | Path | Rules | None = None) -> Rules:
    """Load the shipped rules (``None``), a user's YAML/JSON rules file, or pass a :class:`Rules`
    through. What a user's file leaves out (an action, a provision, an action's aliases or
    wording) is as shipped.

    >>> load_rules().name
    'neutrality-asn'
    """
    if isinstance(rules, Rules):
        return rules
    # JSON is a subset of YAML; the loader builds no Python objects (see netral_nlp.configfile).
    shipped = _shipped_raw()
    if rules is None:
        return _parse(shipped, DEFAULT_RULES, shipped)
    if isinstance(rules, (str, Path)):
        path = Path(rules)
        if not path.is_file():
            raise InputError(f"{path}: rules file not found", code=RULES_ERROR)
        return _parse(load_config_file(path, fail=_rules_error), str(path), shipped)
    raise TypeError(f"rules must be None, a path or a Rules object, got {type(rules).__name__}")


#: The action types of the shipped rules, in the order reports list them (a user's rules file may
#: add more: read them from ``Rules.actions``).
ACTIONS: tuple[str, ...] = tuple(load_rules().actions)
