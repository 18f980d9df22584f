import json
import subprocess
import sys
from pathlib import Path

import pytest

from rasd.errors import DataError
from rasd.stories import StoryIndex, estimate_similarity, minhash_signature, shingle_words, stem_words

# One story as SOHR wrote it, then as another outlet rewrote it: diacritics, clitics ("في ريف" / "بريف",
# "لمقتل" / "إلى مقتل"), Eastern Arabic digits, "قد" inserted and a sentence added at the end.
SHELLING = (
    "قصفت قوات النظام بعد منتصف ليل الثلاثاء – الأربعاء، مناطق في بلدة التمانعة بريف إدلب الجنوبي، بالتزامن مع "
    "قصف صاروخي استهدف أطراف بلدة الهبيط، ما أدى إلى مقتل 3 مدنيين بينهم طفل وإصابة آخرين بجراح متفاوتة، فيما لا "
    "يزال عدد القتلى مرشحاً للارتفاع لوجود جرحى بحالات خطرة. وكان المرصد السوري لحقوق الإنسان رصد أمس قصفاً مماثلاً "
    "على قرى وبلدات في ريف حماة الشمالي، وسط تحليق لطائرات الاستطلاع في أجواء المنطقة."
)
SHELLING_REWRITE = (
    "وقصفت قواتُ النظام بعد منتصف ليل الثلاثاء - الأربعاء مناطقَ في بلدة التمانعة في ريف إدلب الجنوبي، بالتزامن مع "
    "قصفٍ صاروخي استهدف أطراف بلدة الهبيط، ما أدى لمقتل ٣ مدنيين بينهم طفل وإصابة آخرين بجراحٍ متفاوتة، فيما لا "
    "يزال عدد القتلى مرشحاً للارتفاع لوجود جرحى بحالات خطرة. وكان المرصد السوري لحقوق الإنسان قد رصد أمس قصفاً "
    "مماثلاً على قرى وبلدات في ريف حماة الشمالي، وسط تحليق لطائرات الاستطلاع في أجواء المنطقة. وتشهد المنطقة منذ "
    "أيام تصعيداً عسكرياً متواصلاً تزامناً مع حشود لقوات النظام على تخوم المحافظة."
)
# A different event in the same town, sharing place names and the monitor's boilerplate.
AIRSTRIKE_SAME_TOWN = (
    "استهدفت طائرات حربية روسية بعدة غارات جوية بلدة التمانعة بريف إدلب الجنوبي صباح اليوم الخميس، ما أسفر عن دمار "
    "في ممتلكات المواطنين، دون ورود معلومات عن خسائر بشرية حتى اللحظة. وكان المرصد السوري لحقوق الإنسان رصد أمس "
    "قصفاً صاروخياً من قبل قوات النظام على أماكن في بلدة التمانعة وأطراف بلدة الهبيط، وسط تحليق لطائرات الاستطلاع "
    "في أجواء المنطقة."
)
SEED = Path(__file__).resolve().parents[2] / "rasd" / "data" / "samples" / "reports.jsonl"


def _seed_text() -> str:
    return json.loads(SEED.read_text(encoding="utf-8").splitlines()[0])["text"]


def test_stem_words_fold_clitics_diacritics_and_digits():
    assert stem_words("وقصفت قواتُ النظام في بلدةَ التمانعة ٣ مرات") == ["قصفت", "قوات", "نظام", "لده", "تمانعه", "3",
                                                                     "مرات"]
    assert stem_words("بريف إدلب") == stem_words("في ريف ادلب")


def test_shingles_of_a_short_text_are_the_whole_text():
    assert shingle_words(["قصف", "ادلب"], 3) == {"قصف ادلب"}
    assert shingle_words(["ا", "ب", "ج", "د"], 3) == {"ا ب ج", "ب ج د"}
    assert shingle_words([], 3) == set()
    assert minhash_signature(set(), 128) is None


def test_signature_estimates_jaccard():
    left = {f"w{i}" for i in range(400)}
    right = {f"w{i}" for i in range(100, 500)}  # Jaccard 300/500 = 0.6
    sim = estimate_similarity(minhash_signature(left, 128), minhash_signature(right, 128))
    assert 0.48 <= sim <= 0.72


def test_signature_of_a_tiny_text_is_densified():
    signature = minhash_signature({"قصف ادلب"}, 128)
    assert len(signature) == 128 and len(set(signature)) == 1


def test_signature_is_the_same_in_another_process():
    code = "from rasd.stories import StoryIndex; print(StoryIndex().signature('قصفت قوات النظام بلدة التمانعة')[:8])"
    runs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
            for _ in range(2)}
    assert len(runs) == 1
    assert runs.pop().strip() == str(StoryIndex().signature("قصفت قوات النظام بلدة التمانعة")[:8])


def test_rewrite_by_another_outlet_joins_the_story():
    index = StoryIndex()
    first = index.assign("sohr-1", SHELLING, "2018-08-08T01:30:00Z", "SOHR")
    second = index.assign("enab-7", SHELLING_REWRITE, "2018-08-08T04:10:00+03:00", "Enab Baladi")
    assert first.story_id == "sohr-1" and first.duplicate_of is None and first.sources == ("SOHR",)
    assert second.story_id == "sohr-1" and second.duplicate_of == "sohr-1"
    assert second.sources == ("SOHR", "Enab Baladi")
    assert second.similarity >= 0.5


def test_different_event_in_the_same_town_is_a_new_story():
    index = StoryIndex()
    index.assign("sohr-1", SHELLING, "2018-08-08T01:30:00Z", "SOHR")
    other = index.assign("sohr-2", AIRSTRIKE_SAME_TOWN, "2018-08-09T08:00:00Z", "SOHR")
    assert other.story_id == "sohr-2" and other.duplicate_of is None and other.similarity == 0.0


def test_long_report_with_a_new_lead_and_a_dropped_paragraph_joins_the_story():
    text = _seed_text()
    paragraphs = text.split("\n")
    variant = "\n".join(["أفادت مصادر ميدانية لوكالتنا بأن المفاوضات ما زالت جارية في إدلب."] + paragraphs[1:-1])
    index = StoryIndex()
    index.assign("sohr", text, "2018-08-10T09:00:00Z", "SOHR")
    assert index.assign("wire", variant, "2018-08-10T11:00:00Z", "Wire").story_id == "sohr"
    assert index.assign("shelling", SHELLING, "2018-08-10T11:30:00Z", "SOHR").story_id == "shelling"


def test_same_text_outside_the_window_is_a_new_story():
    index = StoryIndex(window_hours=48)
    index.assign("a", SHELLING, "2018-08-08T00:00:00Z", "SOHR")
    assert index.assign("b", SHELLING, "2018-08-10T01:00:00Z", "SANA").story_id == "b"
    assert index.assign("c", SHELLING, "2018-08-07T12:00:00Z", "RT").story_id in {"a", "b"}


def test_replay_returns_the_first_assignment():
    index = StoryIndex()
    index.assign("a", SHELLING, "2018-08-08T00:00:00Z", "SOHR")
    first = index.assign("b", SHELLING_REWRITE, "2018-08-08T02:00:00Z", "Enab Baladi")
    assert index.assign("b", "نص آخر تماماً", "2018-08-09T02:00:00Z", "X") == first
    assert len(index) == 2


def test_report_without_time_uses_processing_time():
    index = StoryIndex()
    index.assign("a", SHELLING, None, "SOHR", processing_time="2018-08-08T00:00:00Z")
    assert index.assign("b", SHELLING_REWRITE, "2018-08-08T03:00:00Z", "X").story_id == "a"


def test_state_round_trips_through_json():
    index = StoryIndex()
    index.assign("a", SHELLING, "2018-08-08T00:00:00Z", "SOHR")
    state = json.loads(json.dumps(index.to_state(), ensure_ascii=False))
    resumed = StoryIndex.from_state(state)
    assert resumed.assign("b", SHELLING_REWRITE, "2018-08-08T02:00:00Z", "SANA").story_id == "a"
    with pytest.raises(DataError):
        StoryIndex.from_state(state, num_perm=64, bands=16)


def test_prune_forgets_old_reports_and_their_buckets():
    index = StoryIndex()
    index.assign("a", SHELLING, "2018-08-08T00:00:00Z", "SOHR")
    index.assign("b", AIRSTRIKE_SAME_TOWN, "2018-08-09T00:00:00Z", "SOHR")
    assert index.prune("2018-08-08T12:00:00Z") == 1
    assert len(index) == 1
    assert not any(key.startswith("r:a") or key == "s:a" for key in index.store)
    assert all("a" not in value for key, value in index.store.items() if key.startswith("b:"))


def test_watermark_prunes_automatically_two_windows_behind():
    index = StoryIndex(window_hours=24)
    index.assign("old", SHELLING, "2018-08-01T00:00:00Z", "SOHR")
    index.assign("new", AIRSTRIKE_SAME_TOWN, "2018-08-05T00:00:00Z", "SOHR")
    assert "r:old" not in index.store and "r:new" in index.store


def test_copies_of_one_story_keep_every_bucket_bounded():
    # 200 outlets copying one long report: each copy joins the first story, and no band bucket
    # grows past the limit, so a new copy is compared with at most bands × limit reports.
    text = _seed_text()
    index = StoryIndex(bucket_limit=16)
    stories = {index.assign(f"r{i:03d}", f"{text} {i}", "2018-08-10T09:00:00Z", f"outlet-{i}").story_id
               for i in range(200)}
    assert stories == {"r000"}
    assert max(len(bucket) for bucket in index._buckets.values()) == 16
    restored = StoryIndex.from_state(json.loads(json.dumps(index.to_state())), bucket_limit=16)
    assert restored.assign("late", f"{text} late", "2018-08-10T10:00:00Z", "outlet-late").story_id == "r000"
    assert max(len(bucket) for bucket in restored._buckets.values()) == 16
    assert "r199" in next(iter(restored._buckets.values()))  # the most recent are the ones kept


def test_signature_from_the_normalised_text_is_the_same():
    from rasd.text.normalize import normalize_ar

    text = _seed_text()
    index = StoryIndex()
    assert index.signature(text, normalize_ar(text)) == index.signature(text)


def test_a_signature_made_elsewhere_gives_the_same_assignment():
    from rasd.stories import encode_signature

    text = _seed_text()
    signer, here, given = StoryIndex(), StoryIndex(), StoryIndex()
    for i, body in enumerate((text, text + " نهاية", "نص آخر تماماً عن قصف مدفعي على بلدة التمانعة")):
        signature = signer.signature(body)
        expected = here.assign(f"r{i}", body, "2018-08-10T09:00:00Z", "SOHR")
        got = given.assign(f"r{i}", body, "2018-08-10T09:00:00Z", "SOHR",
                           encoded_signature=encode_signature(signature) if signature else "")
        assert got == expected
    assert given.assign("empty", "...", "2018-08-10T09:00:00Z", "SOHR", encoded_signature="").duplicate_of is None
    with pytest.raises(ValueError, match="bins"):
        StoryIndex(num_perm=64, bands=16).assign("x", text, encoded_signature=encode_signature(signer.signature(text)))
