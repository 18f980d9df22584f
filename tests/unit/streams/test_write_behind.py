import pytest

from streams.write_behind import WriteBehind


class CountingTable(dict):
    """A dict that counts writes and deletions, as a Faust table would count changelog messages."""

    def __init__(self, *args):
        super().__init__(*args)
        self.writes = 0

    def __setitem__(self, key, value):
        self.writes += 1
        super().__setitem__(key, value)

    def pop(self, key, default=None):
        self.writes += 1
        return super().pop(key, default)


def test_writes_reach_the_table_once_per_key_and_flush():
    table = CountingTable({"k:governorate:Idlib": {"n": 0}})
    state = WriteBehind(table)
    for n in range(1, 11):
        state["k:governorate:Idlib"] = {"n": n}
    assert state["k:governorate:Idlib"] == {"n": 10} and table["k:governorate:Idlib"] == {"n": 0}
    assert state.flush() == 1
    assert table.writes == 1 and table["k:governorate:Idlib"] == {"n": 10}
    assert state.flush() == 0 and table.writes == 1


def test_deletions_are_seen_before_the_flush_and_sent_with_it():
    table = CountingTable({"r:a": 1, "r:b": 2})
    state = WriteBehind(table)
    del state["r:a"]
    state["r:c"] = 3
    assert "r:a" not in state and state.get("r:a") is None and state.pop("r:b") == 2
    with pytest.raises(KeyError):
        state["r:a"]
    assert sorted(state) == ["r:c"] and len(state) == 1
    state.flush()
    assert table == {"r:c": 3}
