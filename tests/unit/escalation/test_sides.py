import pytest

from rasd.errors import DataError
from rasd.escalation.sides import SideTable
from rasd.resources import load_json


@pytest.fixture(scope="module")
def sides():
    return SideTable.from_data()


@pytest.mark.parametrize("actor, side", [
    ("syr-gov-forces", "government"), ("syr-4th-div", "government"), ("syr-ndf", "government"),
    ("rus-forces", "government"), ("hezbollah", "government"), ("fatemiyoun", "government"),
    ("hts", "opposition"), ("opposition-factions", "opposition"), ("tur-forces", "opposition"),
    ("sna", "opposition"), ("hamza-division", "opposition"),
    ("sdf", "sdf"), ("ypg", "sdf"), ("sanadid", "sdf"),
    ("isis", "isis"), ("jaish-khalid", "isis"), ("isr-forces", "israel"), ("us-coalition", "us-coalition"),
])
def test_combatants_take_their_side_by_reported_id_and_affiliation(sides, actor, side):
    assert sides.side_of(actor) == side


@pytest.mark.parametrize("actor", ["sohr", "sana", "un", "syr-gov", "bashar-al-assad", "syr-coalition", "leb-gov",
                                   "white-helmets", "no-such-actor"])
def test_monitors_media_political_bodies_and_persons_have_no_side(sides, actor):
    assert sides.side_of(actor) is None


def test_reported_ids_follow_report_as(sides):
    assert sides.reported_id("syr-4th-div") == "syr-gov-forces" and sides.reported_id("hts") == "hts"
    assert sides.reported_id("no-such-actor") is None


def test_same_and_allied_sides_are_not_opposed(sides):
    assert sides.are_opposed("government", "opposition") and sides.are_opposed("isis", "sdf")
    assert not sides.are_opposed("opposition", "opposition")
    assert not sides.are_opposed("sdf", "us-coalition") and not sides.are_opposed("us-coalition", "sdf")


def test_labels_are_short_english_names(sides):
    assert sides.label("hts") == "Hay'at Tahrir al-Sham" and sides.label("rus-forces") == "Russian armed forces"
    assert sides.label("no-such-actor") == "no-such-actor"


def test_the_table_refuses_undeclared_sides_and_unknown_actors(sides):
    data = load_json("escalation/sides.json")
    with pytest.raises(DataError, match="undeclared sides"):
        SideTable.from_dict({**data, "actor_sides": {"hts": "martians"}}, sides.actors, ("armed_group",))
    with pytest.raises(DataError, match="unknown actors"):
        SideTable.from_dict({**data, "actor_sides": {"nobody": "isis"}}, sides.actors, ("armed_group",))
    with pytest.raises(DataError, match="lacks"):
        SideTable.from_dict({"sides": {}}, sides.actors, ("armed_group",))
