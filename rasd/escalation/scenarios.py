"""Synthetic report streams with planted escalation episodes, for evaluating the detector.

A stream is weeks of templated Arabic reports (``rasd/data/escalation/evaluation.json``)
over several governorates: a background of violent, routine and calm reports at
each governorate's own daily rates, and, on top of it, planted episodes whose
keys the detector should signal:

- ``burst``           — 5-8 violent events of one dyad in one governorate within 6 hours;
- ``buildup``         — mobilisation reports and an ultimatum within 12 hours (no violence yet);
- ``truce_breakdown`` — a truce breaks down and 2-4 violent events follow within 6 hours;
- ``new_dyad``        — the first violence ever between two sides that had not fought (Turkey and the
  Syrian army in Idlib);
- ``quiet_break``     — 2-3 violent events in a governorate without violence for ``quiet_days``.

Everything is drawn from a seeded :class:`random.Random`, so a seed gives the same stream.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from rasd.errors import DataError
from rasd.escalation.windows import to_epoch
from rasd.resources import load_json
from rasd.schema import Report

EPISODE_KINDS = ("burst", "buildup", "truce_breakdown", "new_dyad", "quiet_break")
_DAY = 86400


@dataclass(frozen=True, slots=True)
class StreamReport:
    """One report of a stream and the story it belongs to (outlets repeating a story share it)."""

    report: Report
    story_id: str
    moment: float


@dataclass(frozen=True, slots=True)
class Episode:
    """A planted escalation episode.

    Attributes:
        id: e.g. ``"s1-burst-3"``.
        kind: one of :data:`EPISODE_KINDS`.
        targets: the keys a detector should signal, e.g.
            ``(("governorate", "Idlib"), ("actor_pair", "hts|syr-gov-forces"))``.
        start, end: event time of its first and last report (epoch seconds).
        report_ids: its reports.
        paired_ids: those of its reports whose text names both actors of its dyad (violence between them).
    """

    id: str
    kind: str
    targets: tuple[tuple[str, str], ...]
    start: float
    end: float
    report_ids: tuple[str, ...]
    paired_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Stream:
    """A stream, its planted episodes and its span."""

    seed: int
    reports: tuple[StreamReport, ...]
    episodes: tuple[Episode, ...]
    start: float
    end: float


def pair_key(left: str, right: str) -> str:
    """The actor-pair key of two actors, e.g. ``("syr-gov-forces", "hts")`` → ``"hts|syr-gov-forces"``."""
    return "|".join(sorted((left, right)))


class StreamBuilder:
    """Draws one stream from the scenario data and a seed."""

    def __init__(self, spec: dict[str, Any], seed: int, weeks: int | None = None):
        for field in ("start", "weeks", "actors", "governorates", "templates", "episodes", "outlets"):
            if field not in spec:
                raise DataError(f"escalation/evaluation.json lacks {field!r}")
        self.spec, self.seed = spec, seed
        self.rng = random.Random(seed)
        self.start = to_epoch(spec["start"]) or 0.0
        self.days = 7 * (weeks or spec["weeks"])
        self.end = self.start + self.days * _DAY
        self.reports: list[StreamReport] = []
        self.violence: dict[str, list[float]] = {}
        self.paired: set[str] = set()
        self._serial = 0

    @classmethod
    def from_data(cls, seed: int, weeks: int | None = None) -> "StreamBuilder":
        """A builder over ``rasd/data/escalation/evaluation.json``."""
        return cls(load_json("escalation/evaluation.json"), seed, weeks)

    def build(self) -> Stream:
        """The background and the planted episodes, sorted by event time."""
        self._background()
        episodes = self._episodes()
        reports = tuple(sorted(self.reports, key=lambda r: (r.moment, r.report.id)))
        return Stream(self.seed, reports, tuple(episodes), self.start, self.end)

    # ------------------------------------------------------------------ reports

    def _name(self, actor: str) -> str:
        return self.rng.choice(self.spec["actors"][actor])

    def _fill(self, kind: str, governorate: str, a: str | None = None, b: str | None = None) -> str:
        gov = self.spec["governorates"][governorate]
        template = self.rng.choice(self.spec["templates"][kind])
        return template.format(a=self._name(a) if a else "", b=self._name(b) if b else "",
                               town=self.rng.choice(gov["towns"]), area=gov["area"],
                               n=self.rng.choice(self.spec.get("casualties", [3])))

    def _add(self, text: str, moment: float, kind: str) -> str:
        """Add a report (and maybe a repeat by another outlet, same story); returns the report id."""
        self._serial += 1
        report_id = f"s{self.seed}-{kind}-{self._serial}"
        outlets = list(self.spec["outlets"])
        outlet = self.rng.choice(outlets)
        self.reports.append(StreamReport(Report(report_id, text, _iso(moment), outlet), report_id, moment))
        if self.rng.random() < self.spec.get("duplicate_rate", 0.0):
            later = moment + self.rng.uniform(600, 5400)
            other = self.rng.choice([o for o in outlets if o != outlet])
            self.reports.append(StreamReport(Report(f"{report_id}-dup", text, _iso(later), other), report_id, later))
        return report_id

    def _violent(self, governorate: str, moment: float, dyad: tuple[str, str] | None, kind: str) -> str:
        self.violence.setdefault(governorate, []).append(moment)
        if dyad is None:
            return self._add(self._fill("violent_unknown", governorate), moment, kind)
        a, b = dyad if self.rng.random() < 0.5 else dyad[::-1]
        if self.rng.random() < 0.7:
            report_id = self._add(self._fill("violent_dyad", governorate, a, b), moment, kind)
            self.paired.add(report_id)
            return report_id
        return self._add(self._fill("violent_one", governorate, dyad[0]), moment, kind)

    def _background(self) -> None:
        for governorate, gov in self.spec["governorates"].items():
            dyads = [tuple(d) for d in gov.get("dyads", [])]
            for day in range(self.days):
                base = self.start + day * _DAY
                for _ in range(_poisson(self.rng, gov["violent_per_day"])):
                    dyad = self.rng.choice(dyads) if dyads else None
                    self._violent(governorate, base + self.rng.uniform(0, _DAY), dyad, "bg")
                for _ in range(_poisson(self.rng, gov.get("routine_per_day", 0.0))):
                    self._add(self._fill("routine", governorate), base + self.rng.uniform(0, _DAY), "bg")
                for _ in range(_poisson(self.rng, gov.get("calm_per_day", 0.0))):
                    actor = self.rng.choice(dyads)[0] if dyads else None
                    self._add(self._fill("calm", governorate, actor), base + self.rng.uniform(0, _DAY), "bg")

    # ------------------------------------------------------------------ episodes

    def _episodes(self) -> list[Episode]:
        plan = self.spec["episodes"]
        taken: dict[str, list[float]] = {}
        episodes: list[Episode] = []
        for kind in EPISODE_KINDS:
            options = plan.get(kind)
            if not options:
                continue
            choices = self._choices(kind, options)
            self.rng.shuffle(choices)
            for n in range(options["count"]):
                for _ in range(200):
                    choice = choices[n % len(choices)] if kind == "new_dyad" else self.rng.choice(choices)
                    moment = self._moment(choice[0], taken, options.get("quiet_days", 0))
                    if moment is not None:
                        break
                else:
                    continue
                taken.setdefault(choice[0], []).append(moment)
                episodes.append(self._plant(f"s{self.seed}-{kind}-{n + 1}", kind, choice, moment, options))
        return episodes

    def _choices(self, kind: str, options: dict[str, Any]) -> list[tuple[str, tuple[str, str] | None]]:
        if kind == "new_dyad":
            return [(g, (a, b)) for g, a, b in options["dyads"]]
        out = []
        for governorate in options["governorates"]:
            dyads = [tuple(d) for d in self.spec["governorates"][governorate].get("dyads", [])]
            out += [(governorate, dyad) for dyad in dyads] if dyads and kind != "quiet_break" else [(governorate, None)]
        return out

    def _moment(self, governorate: str, taken: dict[str, list[float]], quiet_days: float = 0) -> float | None:
        """A start time after the warm-up, at least ``spacing_days`` from other episodes in the governorate.

        With ``quiet_days``, the governorate must have had no violence in that many days before.
        """
        warmup = self.spec.get("warmup_days", 7) * _DAY
        moment = self.rng.uniform(self.start + warmup, self.end - _DAY)
        spacing = self.spec.get("spacing_days", 4) * _DAY
        if any(abs(moment - other) < spacing for other in taken.get(governorate, [])):
            return None
        if any(moment - quiet_days * _DAY <= other <= moment for other in self.violence.get(governorate, [])):
            return None
        return moment

    def _plant(self, episode_id: str, kind: str, choice: tuple[str, tuple[str, str] | None], moment: float,
               options: dict[str, Any]) -> Episode:
        governorate, dyad = choice
        hours = options.get("hours", 6) * 3600
        times: list[float] = []
        ids: list[str] = []

        def at(offset: float) -> float:
            times.append(moment + offset)
            return moment + offset

        if kind == "new_dyad" and dyad is not None:
            for _ in range(self.rng.randint(*options["events"])):
                text = self._fill("violent_dyad", governorate, *(dyad if self.rng.random() < 0.5 else dyad[::-1]))
                ids.append(self._add(text, at(self.rng.uniform(0, hours)), kind))
                self.paired.add(ids[-1])
        elif kind in ("burst", "quiet_break"):
            for _ in range(self.rng.randint(*options["events"])):
                ids.append(self._violent(governorate, at(self.rng.uniform(0, hours)), dyad, kind))
        elif kind == "buildup":
            a, b = dyad if dyad else (None, None)
            for _ in range(self.rng.randint(*options["mobilisation"])):
                ids.append(self._add(self._fill("mobilisation", governorate, a, b), at(self.rng.uniform(0, hours)),
                                     kind))
            for _ in range(options.get("ultimatum", 1)):
                ids.append(self._add(self._fill("ultimatum", governorate, a, b), at(self.rng.uniform(0, hours)),
                                     kind))
        elif kind == "truce_breakdown":
            a, b = dyad if dyad else (None, None)
            ids.append(self._add(self._fill("truce_breakdown", governorate, a, b), at(0.0), kind))
            for _ in range(self.rng.randint(*options["events"])):
                ids.append(self._violent(governorate, at(self.rng.uniform(0, hours)), dyad, kind))
        targets: list[tuple[str, str]] = []
        if kind != "new_dyad":
            targets.append(("governorate", governorate))
        if dyad is not None and kind in ("burst", "truce_breakdown", "new_dyad"):
            targets.append(("actor_pair", pair_key(*dyad)))
        return Episode(episode_id, kind, tuple(targets), min(times), max(times), tuple(ids),
                       tuple(i for i in ids if i in self.paired))


def build_streams(seeds: list[int], weeks: int | None = None) -> Iterator[Stream]:
    """One stream per seed from the bundled scenario data."""
    for seed in seeds:
        yield StreamBuilder.from_data(seed, weeks).build()


def _poisson(rng: random.Random, rate: float) -> int:
    """A Poisson draw (Knuth's method; rates here are small)."""
    if rate <= 0:
        return 0
    limit, k, p = pow(2.718281828459045, -rate), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
