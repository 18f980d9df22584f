from rasd.escalation.scenarios import EPISODE_KINDS, StreamBuilder, build_streams, pair_key
from rasd.resources import load_json


def test_a_seed_gives_the_same_stream():
    first = StreamBuilder.from_data(7, weeks=3).build()
    again = StreamBuilder.from_data(7, weeks=3).build()
    other = StreamBuilder.from_data(8, weeks=3).build()
    assert [r.report for r in first.reports] == [r.report for r in again.reports]
    assert first.episodes == again.episodes
    assert [r.report for r in first.reports] != [r.report for r in other.reports]


def test_reports_are_templated_arabic_in_time_order_within_the_span():
    stream = StreamBuilder.from_data(1, weeks=3).build()
    moments = [r.moment for r in stream.reports]
    assert moments == sorted(moments) and stream.start <= moments[0] and moments[-1] <= stream.end + 2 * 3600
    assert all("{" not in r.report.text and any("\u0600" <= c <= "\u06ff" for c in r.report.text)
               for r in stream.reports)
    assert len({r.report.id for r in stream.reports}) == len(stream.reports)
    dups = [r for r in stream.reports if r.report.id.endswith("-dup")]
    assert dups and all(r.story_id == r.report.id.removesuffix("-dup") for r in dups)


def test_episodes_are_planted_after_the_warm_up_with_their_target_keys():
    spec = load_json("escalation/evaluation.json")
    (stream,) = build_streams([2], weeks=4)
    assert {e.kind for e in stream.episodes} == set(EPISODE_KINDS)
    ids = {r.report.id for r in stream.reports}
    for episode in stream.episodes:
        assert episode.start >= stream.start + spec["warmup_days"] * 86400
        assert set(episode.report_ids) <= ids and episode.end - episode.start <= 12 * 3600
        types = {key_type for key_type, _ in episode.targets}
        if episode.kind in ("burst", "truce_breakdown"):
            assert types == {"governorate", "actor_pair"}
        elif episode.kind == "new_dyad":
            assert types == {"actor_pair"}
        else:
            assert types == {"governorate"}


def test_a_quiet_break_follows_weeks_without_violence():
    stream = StreamBuilder.from_data(3).build()
    builder_quiet = load_json("escalation/evaluation.json")["episodes"]["quiet_break"]["quiet_days"]
    for episode in (e for e in stream.episodes if e.kind == "quiet_break"):
        (governorate,) = [key for _, key in episode.targets]
        area = load_json("escalation/evaluation.json")["governorates"][governorate]["area"]
        earlier = [r for r in stream.reports if area in r.report.text and r.report.id.split("-")[1] != "quiet_break"
                   and episode.start - builder_quiet * 86400 <= r.moment < episode.start
                   and any(word in r.report.text for word in ("قصف", "اشتباك", "انفجر", "هاجم", "استهدف"))]
        assert earlier == []


def test_pair_keys_are_sorted():
    assert pair_key("syr-gov-forces", "hts") == "hts|syr-gov-forces"
