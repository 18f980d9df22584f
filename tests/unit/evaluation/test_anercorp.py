import json

import pycrfsuite
import pytest

from rasd.analysis.ner import EntityTagger, NerLexicon, sentence_features
from rasd.errors import DataError
from rasd.evaluation import anercorp
from rasd.evaluation.anercorp import evaluate_anercorp, extract_chunks, format_report, read_conll, score_chunks
from rasd.text.normalize import normalize_ar

_CORPUS = (
    "زار\tO\r\nجاك\tB-PERS\r\nشيراك\tI-PERS\r\nبغداد\tB-LOC\r\n.\tO\r\n\r\n"
    "قالت\tO\r\nالأمم\tB-ORG\r\nالمتحدة\tI-ORG\r\nإن\tO\r\nمونديال\tB-MISC\r\n2006\tI-MISC\r\n.\tO\r\n\r\n"
)


@pytest.fixture()
def corpus(tmp_path):
    path = tmp_path / "tiny.tsv"
    path.write_bytes(_CORPUS.encode("utf-8"))
    return path


@pytest.fixture()
def tagger(tmp_path, corpus):
    lexicon = NerLexicon.from_mappings({}, {})
    trainer = pycrfsuite.Trainer(verbose=False)
    for _ in range(3):
        for sentence in read_conll(corpus):
            trainer.append(sentence_features([normalize_ar(w) for w, _ in sentence], lexicon), [t for _, t in sentence])
    trainer.set_params({"c1": 0.0, "c2": 0.001, "max_iterations": 60})
    trainer.train(str(tmp_path / "m.crfsuite"))
    return EntityTagger(tmp_path / "m.crfsuite", lexicon)


def test_read_conll_handles_crlf_and_sentence_breaks(corpus):
    sentences = read_conll(corpus)
    assert len(sentences) == 2
    assert sentences[0][1] == ("جاك", "B-PERS")
    assert all("\r" not in w + t for s in sentences for w, t in s)


def test_read_conll_rejects_a_line_without_tag(tmp_path):
    path = tmp_path / "bad.tsv"
    path.write_text("كلمة\n", encoding="utf-8")
    with pytest.raises(DataError):
        read_conll(path)


def test_extract_chunks_follow_conlleval():
    assert extract_chunks(["B-ORG", "I-LOC", "I-LOC", "O", "I-PERS"]) == {("ORG", 0, 0), ("LOC", 1, 2), ("PERS", 4, 4)}


def test_score_chunks_counts_exact_matches_only():
    gold = [["B-PERS", "I-PERS", "O", "B-LOC"], ["B-MISC", "O"]]
    predicted = [["B-PERS", "O", "O", "B-LOC"], ["B-MISC", "B-ORG"]]
    scores = score_chunks(gold, predicted)
    assert scores["LOC"]["f1"] == 1.0
    assert scores["PERS"]["recall"] == 0.0
    assert scores["overall"]["correct"] == 2
    assert scores["overall"]["precision"] == pytest.approx(2 / 4)
    assert scores["overall"]["recall"] == pytest.approx(2 / 3)
    core = score_chunks(gold, predicted, ("PERS", "LOC", "ORG"))
    assert core["overall"]["gold"] == 2 and "MISC" not in core


def test_evaluate_anercorp_scores_a_tagger(corpus, tagger):
    result = evaluate_anercorp(corpus, tagger)
    assert result["sentences"] == 2 and result["tokens"] == 12
    assert result["all_types"]["overall"]["f1"] == 1.0
    assert set(result["per_loc_org"]) == {"PERS", "LOC", "ORG", "overall"}
    assert "PER/LOC/ORG only" in format_report(result)


def test_main_prints_json(corpus, tagger, monkeypatch, capsys):
    monkeypatch.setattr(anercorp.EntityTagger, "pretrained", classmethod(lambda cls: tagger))
    assert anercorp.main(["--path", str(corpus), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["all_types"]["LOC"]["gold"] == 1
