"""Election configurations: contestants, aliases, ballot numbers, parties, accounts and calendar.

Configs are YAML data files. The package ships ``pilpres-2019``, ``pemilu-2024`` and a
``pilkada-2024-template``; users pass the path of their own file for a new election. Files are
parsed with a safe YAML loader (nothing in them is executed; no anchors, aliases or duplicated
keys, see :mod:`netral_nlp.configfile`) and validated field by field (types, dates without a time
of day, a known timezone), so a typo gives an error (``E120``) that names the file and the field.

>>> cfg = load_election("pemilu-2024")
>>> cfg.pair(2).name
'Prabowo Subianto - Gibran Rakabuming Raka'
>>> cfg.period_of(datetime.date(2024, 2, 12))
'quiet_period'
"""

from __future__ import annotations

import dataclasses
import datetime
import functools
import re
import zoneinfo
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

from netral_nlp.configfile import load_config_file, load_config_text, short_repr
from netral_nlp.errors import NetralError

__all__ = [
    "NAME_SUFFIXES",
    "PERIODS",
    "Candidate",
    "ContestantMatcher",
    "ElectionConfig",
    "ElectionConfigError",
    "ElectionNotFoundError",
    "Pair",
    "Party",
    "available_elections",
    "is_shipped_election",
    "load_election",
]

#: Role tokens that replace a contestant mention when masking. They name the role, not the
#: person, so that a model trained on one election carries over to the next.
ROLE_TOKENS = {
    "calon": "[CALON]",
    "wakil": "[WAKIL]",
    "pair": "[PASLON]",
    "party": "[PARTAI]",
    "number": "[NOMOR_PASLON]",
}
#: Periods of the calendar, in time order; ``period_of`` returns one of them.
PERIODS = (
    "before_registration",
    "registration_to_determination",  # bakal calon: registered, not yet determined
    "after_determination",  # determined, before the campaign opens
    "campaign",
    "quiet_period",
    "voting_day",
    "after_voting",
)


class ElectionConfigError(NetralError, ValueError):
    """An election config file is missing a field, has a wrong type or an unknown field, or is
    not a safe YAML file (see :mod:`netral_nlp.configfile`); or an election name is unknown."""

    code = "E120"


class ElectionNotFoundError(ElectionConfigError, FileNotFoundError):
    """The election config file given does not exist."""


@dataclasses.dataclass(frozen=True)
class Candidate:
    role: str
    name: str
    aliases: tuple[str, ...] = ()
    case_sensitive_aliases: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class Pair:
    number: int
    name: str
    candidates: tuple[Candidate, ...]
    aliases: tuple[str, ...] = ()
    case_sensitive_aliases: tuple[str, ...] = ()
    hashtags: tuple[str, ...] = ()
    parties: tuple[str, ...] = ()
    campaign_accounts: tuple[str, ...] = ()

    @property
    def ballot_label(self) -> str:
        """The number as written on the ballot and in campaign talk: ``01``, ``02``..."""
        return f"{self.number:02d}"


@dataclasses.dataclass(frozen=True)
class Party:
    number: int
    name: str
    aliases: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class ElectionConfig:
    """One election: who runs, under which numbers and names, and when each period falls."""

    id: str
    name: str
    kind: str
    level: str
    region: str
    timezone: str
    calendar: dict[str, Any]
    pairs: tuple[Pair, ...]
    parties: tuple[Party, ...] = ()
    source: str = ""

    def pair(self, number: int) -> Pair:
        for p in self.pairs:
            if p.number == number:
                return p
        raise KeyError(f"election {self.id!r} has no pair number {number}")

    @property
    def campaign_accounts(self) -> dict[str, int]:
        """Campaign-team and contestant accounts (lower-case, without ``@``) -> pair number."""
        return {a.lower().lstrip("@"): p.number for p in self.pairs for a in p.campaign_accounts}

    def period_of(self, day: datetime.date | datetime.datetime) -> str:
        """The calendar period a date falls in (see :data:`PERIODS`)."""
        if isinstance(day, datetime.datetime):
            day = day.date()
        cal = self.calendar
        if day < cal["candidate_registration"]["start"]:
            return "before_registration"
        if day < cal["candidate_determination"]:
            return "registration_to_determination"
        if day < cal["campaign"]["start"]:
            return "after_determination"
        if day <= cal["campaign"]["end"]:
            return "campaign"
        if day <= cal["quiet_period"]["end"]:
            return "quiet_period"
        if day == cal["voting_day"]:
            return "voting_day"
        return "after_voting"

    @functools.cached_property
    def matcher(self) -> ContestantMatcher:
        """The election's contestant finder (see :class:`ContestantMatcher`)."""
        return ContestantMatcher(self)

    def contestants(self, text: str) -> list[str]:
        """Ballot labels (``"01"``...) of the pairs a raw text mentions: names, numbers, hashtags
        and campaign accounts (see :class:`ContestantMatcher`).

        >>> load_election("pemilu-2024").contestants("RT @prabowo: siap menang")
        ['02']
        """
        return self.matcher.pairs_mentioned(text)


_DATE_RANGE_KEYS = ("candidate_registration", "campaign", "quiet_period")
_DATE_KEYS = ("candidate_determination", "voting_day")
_TOP_KEYS = {"id", "name", "kind", "level", "region", "timezone", "calendar", "pairs", "parties"}
_PAIR_KEYS = {"number", "name", "aliases", "case_sensitive_aliases", "hashtags", "candidates", "parties", "campaign_accounts"}
_CAND_KEYS = {"role", "name", "aliases", "case_sensitive_aliases"}


def _strs(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ElectionConfigError(f"{where}: expected a list of strings, got {short_repr(value)}")
    return tuple(value)


def _str(value: Any, where: str, *, empty: bool = True) -> str:
    if not isinstance(value, str) or (not empty and not value.strip()):
        raise ElectionConfigError(f"{where}: expected a {'' if empty else 'non-empty '}string, got {short_repr(value)}")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ElectionConfigError(f"{where}: expected a list, got {type(value).__name__}")
    return value


def _check_keys(d: Any, allowed: set[str], required: Iterable[str], where: str) -> None:
    if not isinstance(d, dict):
        raise ElectionConfigError(f"{where}: expected a mapping, got {type(d).__name__}")
    unknown = set(d) - allowed
    if unknown:
        raise ElectionConfigError(f"{where}: unknown field(s) {sorted(map(str, unknown))}; allowed: {sorted(allowed)}")
    missing = [k for k in required if k not in d]
    if missing:
        raise ElectionConfigError(f"{where}: missing field(s) {missing}")


def _date(value: Any, where: str) -> datetime.date:
    # YAML reads "2024-02-14 10:00:00" as a datetime (a subclass of date): a calendar entry is a
    # day, and comparing a datetime with a date would fail later, so a time of day is an error.
    if isinstance(value, datetime.datetime):
        raise ElectionConfigError(f"{where}: expected a date YYYY-MM-DD without a time of day, got {value.isoformat(sep=' ')}")
    if isinstance(value, datetime.date):
        return value
    try:
        if not isinstance(value, str):
            raise ValueError
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise ElectionConfigError(f"{where}: expected a date YYYY-MM-DD, got {short_repr(value)}") from None


def _number(value: Any, where: str, *, minimum: int) -> int:
    # bool is an int in Python: "number: true" must not become pair 1.
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        kind = "a positive integer" if minimum > 0 else "an integer >= 0"
        raise ElectionConfigError(f"{where}: expected {kind}, got {short_repr(value)}")
    return value


def _timezone(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise ElectionConfigError(f"{where}: expected an IANA timezone name such as 'Asia/Jakarta', got {short_repr(value)}")
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        raise ElectionConfigError(
            f"{where}: unknown timezone {short_repr(value)}; use an IANA name: Asia/Jakarta (WIB), Asia/Makassar (WITA), Asia/Jayapura (WIT)"
        ) from None
    return value


def _parse(raw: Any, source: str) -> ElectionConfig:
    _check_keys(raw, _TOP_KEYS, ("id", "name", "calendar", "pairs"), source)
    cal_raw = raw["calendar"]
    _check_keys(
        cal_raw, set(_DATE_RANGE_KEYS) | set(_DATE_KEYS) | {"ballot_number_draw"}, _DATE_RANGE_KEYS + _DATE_KEYS, f"{source}: calendar"
    )
    cal: dict[str, Any] = {}
    for k in _DATE_RANGE_KEYS:
        r = cal_raw[k]
        _check_keys(r, {"start", "end"}, ("start", "end"), f"{source}: calendar.{k}")
        start, end = _date(r["start"], f"{source}: calendar.{k}.start"), _date(r["end"], f"{source}: calendar.{k}.end")
        if end < start:
            raise ElectionConfigError(f"{source}: calendar.{k}: end {end} is before start {start}")
        cal[k] = {"start": start, "end": end}
    for k in _DATE_KEYS:
        cal[k] = _date(cal_raw[k], f"{source}: calendar.{k}")
    if "ballot_number_draw" in cal_raw:
        cal["ballot_number_draw"] = _date(cal_raw["ballot_number_draw"], f"{source}: calendar.ballot_number_draw")
    order = [
        cal["candidate_registration"]["start"],
        cal["candidate_determination"],
        cal["campaign"]["start"],
        cal["quiet_period"]["start"],
        cal["voting_day"],
    ]
    if order != sorted(order):
        raise ElectionConfigError(
            f"{source}: calendar dates are out of order (registration <= determination <= campaign <= quiet period <= voting day)"
        )
    if not isinstance(raw["pairs"], list):
        raise ElectionConfigError(f"{source}: pairs: expected a list")
    pairs = []
    for i, p in enumerate(raw["pairs"]):
        where = f"{source}: pairs[{i}]"
        _check_keys(p, _PAIR_KEYS, ("number", "name", "candidates"), where)
        number = _number(p["number"], f"{where}.number", minimum=1)
        cands = []
        for j, c in enumerate(_list(p["candidates"], f"{where}.candidates")):
            cw = f"{where}.candidates[{j}]"
            _check_keys(c, _CAND_KEYS, ("role", "name"), cw)
            if c["role"] not in ("calon", "wakil"):
                raise ElectionConfigError(f"{cw}.role: expected 'calon' or 'wakil', got {short_repr(c['role'])}")
            cands.append(
                Candidate(
                    c["role"],
                    _str(c["name"], f"{cw}.name", empty=False),
                    _strs(c.get("aliases"), f"{cw}.aliases"),
                    _strs(c.get("case_sensitive_aliases"), f"{cw}.case_sensitive_aliases"),
                )
            )
        for tag in _strs(p.get("hashtags"), f"{where}.hashtags"):
            if not tag.startswith("#"):
                raise ElectionConfigError(f"{where}.hashtags: {short_repr(tag)} must start with '#'")
        pairs.append(
            Pair(
                number=number,
                name=_str(p["name"], f"{where}.name", empty=False),
                candidates=tuple(cands),
                aliases=_strs(p.get("aliases"), f"{where}.aliases"),
                case_sensitive_aliases=_strs(p.get("case_sensitive_aliases"), f"{where}.case_sensitive_aliases"),
                hashtags=_strs(p.get("hashtags"), f"{where}.hashtags"),
                parties=_strs(p.get("parties"), f"{where}.parties"),
                campaign_accounts=_strs(p.get("campaign_accounts"), f"{where}.campaign_accounts"),
            )
        )
    numbers = [p.number for p in pairs]
    if len(set(numbers)) != len(numbers):
        raise ElectionConfigError(f"{source}: pairs: duplicated ballot numbers {numbers}")
    parties = []
    for i, p in enumerate(_list(raw.get("parties"), f"{source}: parties")):
        where = f"{source}: parties[{i}]"
        _check_keys(p, {"number", "name", "aliases"}, ("name",), where)
        parties.append(
            Party(
                _number(p.get("number") or 0, f"{where}.number", minimum=0),
                _str(p["name"], f"{where}.name", empty=False),
                _strs(p.get("aliases"), f"{where}.aliases"),
            )
        )
    return ElectionConfig(
        id=_str(raw["id"], f"{source}: id", empty=False),
        name=_str(raw["name"], f"{source}: name", empty=False),
        kind=_str(raw.get("kind", ""), f"{source}: kind"),
        level=_str(raw.get("level", ""), f"{source}: level"),
        region=_str(raw.get("region", ""), f"{source}: region"),
        timezone=_timezone(raw.get("timezone", "Asia/Jakarta"), f"{source}: timezone"),
        calendar=cal,
        pairs=tuple(pairs),
        parties=tuple(parties),
        source=source,
    )


def available_elections() -> list[str]:
    """Ids of the election configs shipped with the package."""
    files = resources.files("netral_nlp").joinpath("resources/elections")
    return sorted(f.name.removesuffix(".yaml") for f in files.iterdir() if f.name.endswith(".yaml"))


def is_shipped_election(name: str) -> bool:
    """True when ``name`` is the id of a shipped election (not a file path).

    >>> is_shipped_election("pemilu-2024"), is_shipped_election("../../etc/passwd")
    (True, False)
    """
    return name in available_elections()


@functools.lru_cache(maxsize=32)
def _load_cached(name: str) -> ElectionConfig:
    path = Path(name)
    if path.suffix in (".yaml", ".yml", ".json") or path.exists():
        # JSON is a subset of YAML; see netral_nlp.configfile for what a config may not hold.
        raw = load_config_file(path, fail=ElectionConfigError, missing=lambda m: ElectionNotFoundError(f"election {m}"))
        return _parse(raw, str(path))
    if not is_shipped_election(name):
        raise ElectionConfigError(
            f"unknown election {short_repr(name)}; shipped: {', '.join(available_elections())}, or pass the path of a YAML/JSON config file"
        )
    text = resources.files("netral_nlp").joinpath(f"resources/elections/{name}.yaml").read_text(encoding="utf-8")
    return _parse(load_config_text(text, source=f"{name}.yaml", fail=ElectionConfigError), f"{name}.yaml")


def load_election(election: str | Path | ElectionConfig) -> ElectionConfig:
    """Load a shipped election (``"pemilu-2024"``) or a user's YAML/JSON config file."""
    if isinstance(election, ElectionConfig):
        return election
    if not isinstance(election, (str, Path)):
        raise TypeError(f"election must be a name, a path or an ElectionConfig, got {type(election).__name__}")
    return _load_cached(str(election))


_DOTTED_I = str.maketrans({"İ": "i", "ı": "i"})
#: Indonesian clitics and particles that stick to a name: "Prabowonya", "Aniesnya", "Ganjarlah",
#: "Prabowoku". A name followed by one is still a mention of it.
NAME_SUFFIXES = ("nya", "lah", "kah", "pun", "ku", "mu")
_SUFFIX = "(?P<suffix>" + "|".join(NAME_SUFFIXES) + ")?"
#: An account handle, also glued to the word before it ("mantap@prabowo"): for finding who a text
#: is about, a handle names its account wherever it stands.
_HANDLE = re.compile(r"@(\w{1,50})")
_HASHTAG = re.compile(r"#(\w+)")


def _alias_pattern(aliases: Iterable[str], flags: int) -> re.Pattern[str] | None:
    alts = sorted({a for a in aliases if a.strip()}, key=len, reverse=True)
    if not alts:
        return None
    body = "|".join(re.escape(a).replace(r"\ ", r"[\s_-]*").replace("'", "'?").replace(r"\-", r"[\s_-]*") for a in alts)
    return re.compile(rf"(?<![\w@#\[])(?P<name>{body}){_SUFFIX}(?![\w\]])", flags)


class ContestantMatcher:
    """The one contestant finder of an election: finds and masks mentions of its contestants.

    It finds, in a raw text (encodings repaired and look-alike letters undone first): names and
    aliases of candidates, pairs and parties, also with a clitic after them (``Prabowonya``,
    ``Aniesnya``); ballot numbers (``coblos 02``, ``no urut 3``); the election's campaign hashtags,
    and names inside other hashtags once split into words (``#PrabowoGibran2024``); and the
    campaign-team and contestant accounts, also glued to a word (``RT @prabowo:``,
    ``mantap@prabowo``). Case-insensitive aliases (``Prabowo``, ``Cak Imin``) match in any case;
    the short or ambiguous ones listed as ``case_sensitive_aliases`` (``PS``, ``GP``, ``AMIN``)
    match only as written, so the prayer "amin" is not taken for the Anies-Muhaimin pair.

    The normaliser masks with it, and batch prediction and scoring report the pairs it finds.

    >>> m = load_election("pemilu-2024").matcher
    >>> m.pairs_mentioned("RT @prabowo: siap menang"), m.pairs_mentioned("Aniesnya keren #GanjarMahfud2024")
    (['02'], ['01', '03'])
    """

    def __init__(self, config: ElectionConfig) -> None:
        # Imported here, not at the top: importing netral_nlp.text runs its __init__, which
        # imports the normaliser, which imports this module (a downward import, made late).
        from netral_nlp.text.confusables import deobfuscate, reveal
        from netral_nlp.text.hashtags import split_hashtag

        #: The normaliser's first stage (encodings, invisible and look-alike characters).
        self.prepare = reveal
        self._deobfuscate = deobfuscate
        self._split_hashtag = split_hashtag
        self.config = config
        ci: dict[str, tuple[str, int]] = {}
        cs: dict[str, tuple[str, int]] = {}
        names: set[str] = set()
        for p in config.pairs:
            for a in p.aliases:
                ci[a.lower()] = ("pair", p.number)
            for a in p.case_sensitive_aliases:
                cs[a] = ("pair", p.number)
            for a in (*p.aliases, *p.case_sensitive_aliases):
                names.update(a.lower().replace("'", "").split())
            for c in p.candidates:
                for a in (c.name, *c.aliases):
                    ci.setdefault(a.lower(), (c.role, p.number))
                for a in c.case_sensitive_aliases:
                    cs[a] = (c.role, p.number)
                for a in (c.name, *c.aliases, *c.case_sensitive_aliases):
                    names.update(a.lower().replace("'", "").split())
        for party in config.parties:
            owner = next((p.number for p in config.pairs if any(a in p.parties for a in (party.name, *party.aliases))), 0)
            for a in (party.name, *party.aliases):
                ci.setdefault(a.lower(), ("party", owner))
        #: The words of the contestants' names and aliases (lower case): kept whole when a hashtag
        #: is split and never stemmed.
        self.name_words: frozenset[str] = frozenset(names)
        self._hashtag_words = frozenset(w for w in names if w.isalpha())
        self._ci = {self._key(k): v for k, v in ci.items()}
        self._cs = {self._key(k, fold=False): v for k, v in cs.items()}
        self._ci_re = _alias_pattern(ci, re.IGNORECASE)
        self._cs_re = _alias_pattern(cs, 0)
        nums = "|".join(str(p.number) for p in config.pairs)
        # "01", "02" written alone, or a number after nomor / no. urut / paslon / coblos: a ballot number.
        self._num_padded = re.compile(rf"(?<![\w.,:/-])0({nums})(?![\w.,:/-]*\d)(?!\w)")
        self._num_after = re.compile(
            rf"\b(nomor|nomer|nmr|no|urut|paslon|capres|coblos|pilih)(\.?\s*)0?({nums})(?![\w.,:/-]*\d)(?!\w)", re.IGNORECASE
        )
        self._hashtags = {h.lower(): p.number for p in config.pairs for h in p.hashtags}
        self._accounts = config.campaign_accounts

    @staticmethod
    def _key(alias: str, *, fold: bool = True) -> str:
        # The patterns let spaces, "_", "-" and "'" vary, so the key drops them. re.IGNORECASE also
        # matches "ſ" for "s" and "İ"/"ı" for "i": casefold() and _DOTTED_I fold them the same way.
        if fold:
            alias = alias.translate(_DOTTED_I).casefold()
        return re.sub(r"[\s_'-]+", "", alias)

    def _lookup(self, m: re.Match[str], case_sensitive: bool) -> tuple[str, int]:
        name = m.group("name")
        return self._cs[self._key(name, fold=False)] if case_sensitive else self._ci[self._key(name)]

    def _in_words(self, text: str, start: int = 0, tag: str | None = None) -> list[tuple[int, str, int, str]]:
        """Names and ballot numbers in running words (``tag``: the hashtag they were split from)."""
        found = []
        for rx, cs in ((self._cs_re, True), (self._ci_re, False)):
            if rx is not None:
                for m in rx.finditer(text):
                    role, num = self._lookup(m, cs)
                    found.append((start + m.start(), role, num, tag or m.group("name")))
        for m in self._num_padded.finditer(text):
            found.append((start + m.start(), "number", int(m.group(1)), tag or m.group(0)))
        for m in self._num_after.finditer(text):
            found.append((start + m.start(3), "number", int(m.group(3)), tag or m.group(3)))
        return found

    def find(self, text: str, *, prepared: bool = False) -> list[tuple[str, int, str]]:
        """Mentions in ``text`` as ``(role, pair_number, matched_text)``, in text order; pair 0 is
        a party in no coalition. ``prepared=True``: the text already went through ``prepare`` (the
        normaliser's first stage, :func:`~netral_nlp.text.confusables.reveal`)."""
        if not prepared:
            text = self.prepare(text)
        found: list[tuple[int, str, int, str]] = []
        if "@" in text and self._accounts:
            for m in _HANDLE.finditer(text):
                number = self._accounts.get(m.group(1).lower())
                if number is not None:
                    found.append((m.start(), "account", number, m.group(0)))
        if "#" in text:
            for m in _HASHTAG.finditer(text):
                tag = m.group(0)
                number = self._hashtags.get(tag.lower())
                if number is not None:
                    found.append((m.start(), "hashtag", number, tag))
                else:  # names and numbers inside it: "#PrabowoGibran2024", "#02menang"
                    found += self._in_words(" ".join(self._split_hashtag(m.group(1), self._hashtag_words)), m.start(), tag)
        found += self._in_words(text)
        return [(r, n, t) for _, r, n, t in sorted(found)]

    def pairs_mentioned(self, text: str, *, prepared: bool = False) -> list[str]:
        """Ballot labels (``"01"``, ``"02"``...) of the pairs a text mentions, in ballot order."""
        return sorted({f"{n:02d}" for _, n, _ in self.find(text, prepared=prepared) if n})

    def mask(self, text: str) -> str:
        """Replace every name and ballot number with its role token (see :data:`ROLE_TOKENS`); a
        clitic after a name stays (``Prabowonya`` -> ``[CALON]nya``). Accounts and hashtags are
        the normaliser's to replace, as it splits them."""
        text = self._deobfuscate(text)
        if self._cs_re is not None:
            text = self._cs_re.sub(lambda m: ROLE_TOKENS[self._lookup(m, True)[0]] + (m.group("suffix") or ""), text)
        if self._ci_re is not None:
            text = self._ci_re.sub(lambda m: ROLE_TOKENS[self._lookup(m, False)[0]] + (m.group("suffix") or ""), text)
        token = ROLE_TOKENS["number"]
        text = self._num_padded.sub(token, text)
        return self._num_after.sub(lambda m: f"{m.group(1)}{m.group(2)}{token}", text)
