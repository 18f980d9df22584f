"""Sides of the conflict: which actors are adversaries, so that actor-pair keys are real dyads.

An actor-pair key (``"hts|syr-gov-forces"``) stands for fighting between two
sides, not for two names that happen to share a report. The side of an actor
is read from ``rasd/data/escalation/sides.json``: its own entry (by the id it
is reported as: الفرقة الرابعة → ``syr-gov-forces``), else the entry of its
``affiliation`` in ``rasd/data/actors.json``. Actors of a kind that does not
fight (media, monitors, NGOs, political bodies, persons) have no side, and two
actors on the same side, or on allied sides, never form a pair.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rasd.analysis.actors import ActorDictionary
from rasd.errors import DataError
from rasd.resources import load_json


@dataclass(frozen=True)
class SideTable:
    """Sides, the affiliation and actor entries that assign them, and the combatant kinds.

    Attributes:
        sides: side id → description, e.g. ``{"government": "the Syrian government and its allies ..."}``.
        affiliation_sides: affiliation → side, e.g. ``{"jihadist": "opposition"}``.
        actor_sides: reported actor id → side, overriding the affiliation, e.g. ``{"rus-forces": "government"}``.
        allied: pairs of sides that never form actor pairs, as frozensets.
        combatant_kinds: actor kinds that take part, e.g. ``("state_force", "armed_group", ...)``.
        actors: the actor dictionary (affiliations, kinds, ``report_as``).
    """

    sides: Mapping[str, str]
    affiliation_sides: Mapping[str, str]
    actor_sides: Mapping[str, str]
    allied: frozenset[frozenset[str]]
    combatant_kinds: tuple[str, ...]
    actors: ActorDictionary

    @classmethod
    @lru_cache(maxsize=1)
    def from_data(cls) -> "SideTable":
        """The table of ``escalation/sides.json`` over the bundled actor dictionary (once per process)."""
        combatant_kinds = tuple(load_json("escalation/weights.json")["combatant_kinds"])
        return cls.from_dict(load_json("escalation/sides.json"), ActorDictionary.from_data(), combatant_kinds)

    @classmethod
    def from_dict(cls, data: dict[str, Any], actors: ActorDictionary,
                  combatant_kinds: tuple[str, ...]) -> "SideTable":
        """Validate and build; a :class:`DataError` names the first unknown side or actor."""
        for field in ("sides", "affiliation_sides", "actor_sides", "allied_sides"):
            if field not in data:
                raise DataError(f"escalation/sides.json lacks {field!r}")
        sides = dict(data["sides"])
        named = [*data["affiliation_sides"].values(), *data["actor_sides"].values(),
                 *(side for pair in data["allied_sides"] for side in pair)]
        unknown = sorted(set(named) - set(sides))
        if unknown:
            raise DataError(f"escalation/sides.json names undeclared sides {unknown}")
        missing = sorted(actor for actor in data["actor_sides"] if actor not in actors)
        if missing:
            raise DataError(f"escalation/sides.json assigns sides to unknown actors {missing}")
        allied = frozenset(frozenset(pair) for pair in data["allied_sides"])
        return cls(sides, dict(data["affiliation_sides"]), dict(data["actor_sides"]), allied,
                   tuple(combatant_kinds), actors)

    def reported_id(self, actor_id: str) -> str | None:
        """The id an actor is reported as (``"syr-4th-div"`` → ``"syr-gov-forces"``), None when unknown."""
        if actor_id not in self.actors:
            return None
        return self.actors.reported(actor_id).id

    def side_of(self, actor_id: str) -> str | None:
        """The side an actor fights on, None for non-combatants and actors on no side.

        Args:
            actor_id: e.g. ``"hts"`` (هيئة تحرير الشام), ``"syr-4th-div"`` (الفرقة الرابعة) or ``"sohr"``.

        Returns:
            e.g. ``"opposition"``, ``"government"`` or None.
        """
        reported = self.reported_id(actor_id)
        if reported is None:
            return None
        record = self.actors.get(reported)
        if record.kind not in self.combatant_kinds:
            return None
        return self.actor_sides.get(reported) or self.affiliation_sides.get(record.affiliation)

    def are_opposed(self, left: str, right: str) -> bool:
        """Whether two sides fight each other (different and not allied), e.g. ``("government", "sdf")`` → True."""
        return left != right and frozenset((left, right)) not in self.allied

    def label(self, actor_id: str) -> str:
        """An actor's English name for explanations, e.g. ``"Hay'at Tahrir al-Sham"``; the id when unknown."""
        if actor_id not in self.actors:
            return actor_id
        return self.actors.get(actor_id).name_en.split(" (")[0].split(" / ")[0]
