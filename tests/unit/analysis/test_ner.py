import json
import time

import pycrfsuite
import pytest

from rasd.analysis.ner import (
    EntitySpan,
    EntityTagger,
    NerLexicon,
    StateScorer,
    gazetteer_tags,
    group_bio,
    original_prefix_length,
    proclitic_length,
    sentence_features,
    split_sentences,
    strip_proclitics,
)
from rasd.text.normalize import normalize_ar
from rasd.text.tokens import Token, tokenize

# A tiny tagged corpus: enough for a CRF to learn the pattern in a second.
_TEMPLATES = [
    ("قالت {org} إن مقاتليها دخلوا {loc} .", None),
    ("سيطرت {org} على {loc} بعد معارك .", None),
    ("والتقى {per} مع قادة {org} في {loc} .", None),
    ("وأعلن {per} أن {org} انسحبت من {loc} .", None),
]
_ORGS = ["هيئة تحرير الشام", "قوات سوريا الديمقراطية", "حركة أحرار الشام"]
_LOCS = ["إدلب", "حلب", "منبج", "دير الزور"]
_PERS = ["أبو محمد الجولاني", "مظلوم عبدي"]


def _tagged(words, tag):
    return [(w, ("B-" if i == 0 else "I-") + tag) for i, w in enumerate(words.split())]


def _corpus():
    sentences = []
    for template, _ in _TEMPLATES:
        for k in range(12):
            org, loc, per = _ORGS[k % 3], _LOCS[k % 4], _PERS[k % 2]
            sentence = []
            for piece in template.split():
                if piece == "{org}":
                    sentence += _tagged(org, "ORG")
                elif piece == "{loc}":
                    sentence += _tagged(loc, "LOC")
                elif piece == "{per}":
                    sentence += _tagged(per, "PERS")
                else:
                    sentence.append((piece, "O"))
            sentences.append(sentence)
    # the same organisations after the conjunction و, as ANERcorp writes them
    for org in _ORGS:
        words = org.split()
        sentences.append([("ودعت", "O"), ("و" + words[0], "B-ORG")] + [(w, "I-ORG") for w in words[1:]] + [(".", "O")])
    return sentences


@pytest.fixture(scope="module")
def lexicon():
    return NerLexicon.from_mappings({"LOC": ["إدلب", "حلب"], "PERS": ["محمد"]}, {normalize_ar(o.split()[0]): 5 for o in _ORGS})


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory, lexicon):
    model = tmp_path_factory.mktemp("ner") / "tiny.crfsuite"
    trainer = pycrfsuite.Trainer(verbose=False)
    for sentence in _corpus():
        trainer.append(sentence_features([normalize_ar(w) for w, _ in sentence], lexicon), [t for _, t in sentence])
    trainer.set_params({"c1": 0.0, "c2": 0.01, "max_iterations": 50})
    trainer.train(str(model))
    return model


@pytest.fixture(scope="module")
def tagger(tiny_model, lexicon):
    return EntityTagger(tiny_model, lexicon)


def test_tag_tokens_returns_one_tag_per_word(tagger):
    tags = tagger.tag_tokens(["سيطرت", "هيئة", "تحرير", "الشام", "على", "منبج", "."])
    assert tags == ["O", "B-ORG", "I-ORG", "I-ORG", "O", "B-LOC", "O"]
    assert tagger.tag_tokens([]) == []


def test_dropping_unknown_features_does_not_change_tags(tiny_model, lexicon, tagger):
    plain = EntityTagger(tiny_model, lexicon, drop_unknown_features=False)
    words = ["وأعلن", "مظلوم", "عبدي", "أن", "كلمة_مجهولة", "حركة", "أحرار", "الشام", "انسحبت", "من", "إدلب", "."]
    assert plain.tag_tokens(words) == tagger.tag_tokens(words)
    assert "B-ORG" in plain.tag_tokens(words)


def test_state_scores_tag_like_feature_strings(tiny_model, lexicon, tagger):
    plain = EntityTagger(tiny_model, lexicon, drop_unknown_features=False)
    sentences = [
        ["قالت", "هيئة", "تحرير", "الشام", "إن", "مقاتليها", "دخلوا", "حلب", "."],
        ["والتقى", "محمد", "|", "مع", "قادة", "|", "|", "في", "إدلب"],  # gazetteer words, "|" tokens, no stop
        ["كلمة", "لم", "ترد", "في", "التدريب", "أبدا"],
        ["ودعت", "وحركة", "أحرار", "الشام", "."],
    ]
    tagged = [tagger.tag_tokens(words) for words in sentences]
    assert tagged == [plain.tag_tokens(words) for words in sentences]
    assert tagged[0][1:4] == ["B-ORG", "I-ORG", "I-ORG"]


def test_state_scorer_items_carry_score_differences(lexicon):
    weights = {
        ("w=حلب", "B-LOC"): 2.0, ("w=حلب", "O"): -1.0,  # حلب: B-LOC 2, O -1 -> B-LOC is O + 3
        ("x1=ب", "B-LOC"): 0.5,
        ("w=قال", "O"): 1.5,
        ("L", "B-LOC"): 4.0, ("Pe", "B-PERS"): -2.0,  # the shortest attributes tied to one label carry it
        ("P", "B-PERS"): 0.01,  # ... unless too light
    }
    scorer = StateScorer.from_state_features(lexicon, ["O", "B-LOC", "B-PERS"], weights)
    items = scorer.sentence(["قال", "حلب"])
    assert set(items[1]) == {b"L", b"Pe"}
    assert items[1][b"L"] == pytest.approx((3.0 + 0.5) / 4.0)
    assert items[1][b"Pe"] == pytest.approx(1.0 / -2.0)  # B-PERS is O + 1: O loses its -1
    assert items[0][b"L"] == pytest.approx(-1.5 / 4.0)


def test_state_scorer_needs_a_carrier_for_every_label(lexicon):
    shared = {("w=حلب", "B-LOC"): 2.0, ("w=حلب", "B-PERS"): 1.0, ("only-loc", "B-LOC"): 1.0}
    assert StateScorer.from_state_features(lexicon, ["O", "B-LOC", "B-PERS"], shared) is None
    assert StateScorer.from_state_features(lexicon, ["B-LOC"], shared) is None  # no reference label


def test_sentence_without_final_stop_is_tagged_like_one_with_it(tagger):
    with_stop = tagger.tag_tokens(["سيطرت", "هيئة", "تحرير", "الشام", "على", "منبج", "."])
    without = tagger.tag_tokens(["سيطرت", "هيئة", "تحرير", "الشام", "على", "منبج"])
    assert without == with_stop[:-1]


def test_tag_reuses_given_tokens(tagger):
    text = "سيطرت هيئة تحرير الشام على منبج"
    assert tagger.tag(text, tokenize(text)) == tagger.tag(text)


def test_tag_excludes_a_leading_proclitic_and_keeps_original_offsets(tagger):
    text = "ودعت وهيئة تحرير الشام."
    spans = tagger.tag(text)
    assert spans == [EntitySpan("ORG", "هيئة تحرير الشام", 6, 22)]
    assert text[spans[0].start] == "ه"


def test_tag_maps_mpers_to_per_and_offsets_through_diacritics(tagger):
    text = "وأعلن مظلوم عبدي أن قوات سوريا الديمقراطية انسحبت من مَنْبِج.\nقالت حركة أحرار الشام"
    spans = tagger.tag(text)
    assert [(s.type, s.text) for s in spans] == [
        ("PER", "مظلوم عبدي"),
        ("ORG", "قوات سوريا الديمقراطية"),
        ("LOC", "مَنْبِج"),
        ("ORG", "حركة أحرار الشام"),
    ]
    for span in spans:
        assert text[span.start : span.end] == span.text


def test_tag_does_not_emit_misc(tmp_path, lexicon):
    model = tmp_path / "misc.crfsuite"
    trainer = pycrfsuite.Trainer(verbose=False)
    for _ in range(5):
        words = ["شاهد", "مونديال", "2006", "في", "حلب"]
        trainer.append(sentence_features([normalize_ar(w) for w in words], lexicon), ["O", "B-MISC", "I-MISC", "O", "B-LOC"])
    trainer.set_params({"c1": 0.0, "c2": 0.01, "max_iterations": 30})
    trainer.train(str(model))
    spans = EntityTagger(model, lexicon).tag("شاهد مونديال 2006 في حلب")
    assert [(s.type, s.text) for s in spans] == [("LOC", "حلب")]


def test_missing_model_is_a_data_error(tmp_path, lexicon):
    from rasd.errors import DataError

    with pytest.raises(DataError):
        EntityTagger(tmp_path / "absent.crfsuite", lexicon)


def test_tag_is_fast_on_a_long_report(tagger):
    text = "وأعلن مظلوم عبدي أن قوات سوريا الديمقراطية انسحبت من مَنْبِج، وقُتل ٣ مدنيين في قصف على إدلب. " * 65
    assert len(text.encode("utf-8")) > 6500
    tagger.tag(text)
    best = min(_timed(tagger.tag, text) for _ in range(3))
    assert best < 0.05


def _timed(function, argument):
    started = time.perf_counter()
    function(argument)
    return time.perf_counter() - started


def test_pretrained_tagger_finds_places_and_people():
    tagger = EntityTagger.pretrained()
    assert tagger is EntityTagger.pretrained()
    spans = tagger.tag("وصل الرئيس الفرنسي جاك شيراك إلى بغداد أمس .")
    assert ("LOC", "بغداد") in [(s.type, s.text) for s in spans]
    assert any(s.type == "PER" and "شيراك" in s.text for s in spans)


def test_pretrained_tagger_handles_a_report_well_under_50_ms():
    tagger = EntityTagger.pretrained()
    sentence = "وقال المرصد السوري لحقوق الإنسان إن طائرات حربية قصفت مدينة معرة النعمان في ريف إدلب الجنوبي، "
    text = (sentence * 40)[:3700]
    assert len(text.encode("utf-8")) > 6500
    tagger.tag(text + " ")  # warm the word cache on a different string
    best = min(_timed(tagger.tag, text) for _ in range(3))
    assert best < 0.05
    spans = tagger.tag(text)
    assert all(text[s.start : s.end] == s.text for s in spans)
    assert any(s.type == "LOC" and s.text == "معرة النعمان" for s in spans)


def test_group_bio_opens_a_run_on_orphan_inside_tag():
    assert group_bio(["O", "I-ORG", "I-ORG", "B-LOC", "I-PERS"]) == [("ORG", 1, 2), ("LOC", 3, 3), ("PERS", 4, 4)]


def test_split_sentences_on_punctuation_and_newlines():
    text = "قصف حلب؟ نعم!\nقتل اثنان"
    sentences = split_sentences(text, tokenize(text))
    assert [[t.norm for t in s] for s in sentences] == [["قصف", "حلب", "؟"], ["نعم", "!"], ["قتل", "اثنان"]]


def test_strip_proclitics_removes_conjunction_preposition_and_article():
    assert strip_proclitics("وبالقوات") == ("وبال", "قوات")
    assert strip_proclitics("للنظام") == ("لال", "نظام")
    assert strip_proclitics("وادي") == ("و", "ادي")


def test_proclitic_length_weighs_what_the_lexicon_knows():
    lex = NerLexicon.from_mappings(
        {"LOC": ["جبلة", "وادي بردى", "بصرى"], "PERS": ["وليد"]},
        {"هيئه": 4, "خالد": 9, "وخالد": 1},
        {"O": ["وادي", "ريف"], "PERS": ["خالد", "وليد"]},
    )

    def cut(written):
        return proclitic_length(Token(written, normalize_ar(written), 0, len(written)), lex)

    assert cut("وهيئة") == 1  # a frequent entity-initial word
    assert cut("والجيش") == 1  # conjunction + article
    assert cut("وَخالد") == 2  # the mark of the conjunction goes with it
    assert cut("بجبلة") == 1  # a gazetteer entry
    assert cut("وليد") == 0  # a known name
    assert cut("وادي") == 0  # a gazetteer first word
    assert cut("بصرى") == 0  # a gazetteer entry starting with ب
    assert cut("وعربين") == 1  # nothing known: a lone conjunction
    assert cut("بنش") == 0  # nothing known: ب stays
    assert cut("فولكر") == 0  # nothing known: ف stays (names start with it)
    assert cut("لبنان") == 0


def test_original_prefix_length_counts_marks():
    assert original_prefix_length("وَبِدمشق", 2) == 4
    assert original_prefix_length("ﻻذقية", 1) == 1


def test_gazetteer_tags_prefer_the_longest_entry(lexicon):
    lex = NerLexicon.from_mappings({"LOC": ["دير الزور", "دير"], "ORG": ["الزور"]}, {})
    assert gazetteer_tags(["في", "بدير", "الزور", "الزور"], lex) == [None, "B-LOC", "I-LOC", "B-ORG"]


def test_sentence_features_carry_window_and_gazetteer(lexicon):
    features = sentence_features(["قصف", "ادلب", "امس"], lexicon)
    assert "BOS" in features[0] and "EOS" in features[2]
    assert "w-1=قصف" in features[1] and "w+1=امس" in features[1]
    assert "g=B-LOC" in features[1] and "g-1=B-LOC" in features[2]


def _load_train_script():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[3] / "scripts" / "train_ner.py"
    spec = importlib.util.spec_from_file_location("train_ner", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_train_script_trains_on_a_tiny_slice(tmp_path):
    corpus = tmp_path / "train.tsv"
    lines = []
    for sentence in _corpus():
        lines += [f"{w}\t{t}" for w, t in sentence] + [""]
    corpus.write_bytes("\r\n".join(lines).encode("utf-8"))
    gazet = tmp_path / "gazet"
    gazet.mkdir()
    (gazet / "ANERGazet_Loc.txt").write_text("====\nإدلب\n****\nحلب\n", encoding="utf-8")
    (gazet / "ANERGazet_Org.txt").write_text("هيئة تحرير الشام\n", encoding="utf-8")
    (gazet / "ANERGazet_Pers.txt").write_text("مظلوم\n", encoding="utf-8")
    out = tmp_path / "model" / "ner.crfsuite"
    train_ner = _load_train_script()
    argv = ["--train", str(corpus), "--dev", str(corpus), "--gazet", str(gazet), "--syria-gazetteer", "", "--out", str(out),
            "--ner-dir", str(tmp_path / "ner"), "--limit", "30", "--max-iterations", "20", "--grid", "0.0,0.01 0.1,0.01"]
    assert train_ner.main(argv) == 0
    assert out.stat().st_size > 0
    gazetteer = json.loads((tmp_path / "ner" / "gazetteer.json").read_text(encoding="utf-8"))["entries"]
    assert gazetteer["LOC"] == ["ادلب", "حلب"]
    heads = json.loads((tmp_path / "ner" / "entity_heads.json").read_text(encoding="utf-8"))["heads"]
    assert heads["هيئه"] > 0
    memory = json.loads((tmp_path / "ner" / "memory.json").read_text(encoding="utf-8"))
    assert "منبج" in memory["words"]["LOC"] and "قالت" in memory["words"]["O"]
    first = out.read_bytes()
    assert train_ner.main(argv) == 0
    assert out.read_bytes() == first  # reproducible
