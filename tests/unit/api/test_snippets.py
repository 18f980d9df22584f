from api.snippets import ELLIPSIS, Snippet, find_term_spans, make_snippets
from rasd.search import search_form

REPORT = ("قصفت قوات النظام مناطق في ريف إدلب الجنوبي، وقالت مصادر إن الاشتباكات مستمرة "
          "بين هيئة تحرير الشام وقوات النظام في جبال اللاذقية. " * 3 + "وفي بإدلب نفسها سقط قتلى.")


def _terms(q: str) -> frozenset[str]:
    return frozenset(search_form(q).split())


def test_bare_query_finds_the_word_as_written_with_hamza_and_clitic():
    text = "سقطت قذائف على بإدلب وإدلب"
    spans = find_term_spans(text, _terms("ادلب"))
    assert [text[s:e] for s, e in spans] == ["بإدلب", "وإدلب"]


def test_multi_word_query_highlights_each_word():
    text = "اشتباكات بين هيئة تحرير الشام وقوات النظام"
    assert [text[s:e] for s, e in find_term_spans(text, _terms("تحرير الشام"))] == ["تحرير", "الشام"]


def test_english_terms_are_found_case_insensitively():
    text = "Clashes between HTS and regime forces near Idlib."
    assert [text[s:e] for s, e in find_term_spans(text, _terms("idlib hts"))] == ["HTS", "Idlib"]


def test_no_terms_no_spans():
    assert find_term_spans("قصف على ادلب", frozenset()) == []


def test_snippet_highlights_point_at_the_matches_in_the_snippet_text():
    spans = find_term_spans(REPORT, _terms("ادلب"))
    snippets = make_snippets(REPORT, spans, context=30)
    assert snippets, "a matching report has a snippet"
    for snippet in snippets:
        assert snippet.highlights
        for start, end in snippet.highlights:
            assert search_form(snippet.text[start:end]) == "ادلب"


def test_snippets_are_cut_at_word_edges_and_marked_with_an_ellipsis():
    spans = find_term_spans(REPORT, _terms("اللاذقية"))
    first = make_snippets(REPORT, spans, context=20)[0]
    assert first.text.startswith(ELLIPSIS) and first.text.endswith(ELLIPSIS)
    inner = first.text.strip(ELLIPSIS)
    assert inner in REPORT
    index = REPORT.index(inner)
    assert index == 0 or REPORT[index - 1].isspace()


def test_at_most_three_snippets():
    spans = find_term_spans(REPORT, _terms("النظام"))
    assert len(spans) >= 4
    assert len(make_snippets(REPORT, spans, context=10)) == 3


def test_matches_close_together_share_one_snippet():
    text = "قصف على ادلب وريف ادلب"
    snippets = make_snippets(text, find_term_spans(text, _terms("ادلب")))
    assert len(snippets) == 1 and len(snippets[0].highlights) == 2


def test_without_matches_the_snippet_is_the_opening_of_the_text():
    (snippet,) = make_snippets(REPORT, [], context=20)
    assert REPORT.startswith(snippet.text.rstrip(ELLIPSIS)) and snippet.highlights == ()
    assert make_snippets("", []) == []


def test_html_form_escapes_the_text_and_marks_the_matches():
    text = "<b>قصف</b> على ادلب & ريفها"
    start = text.index("ادلب")
    snippet = Snippet(text, ((start, start + 4),))
    assert snippet.to_html() == "&lt;b&gt;قصف&lt;/b&gt; على <mark>ادلب</mark> &amp; ريفها"
