from rasd.search import search_form
from rasd.store import SqliteStore, fts_query


def _doc(rid: str, text: str, **fields) -> dict:
    base = {"id": rid, "text": text, "text_search": search_form(text), "published_at": fields.pop("published_at", None),
            "escalation_score": fields.pop("escalation_score", 0.0)}
    base.update(fields)
    return base


def _store() -> SqliteStore:
    store = SqliteStore()
    store.upsert_reports([
        _doc("a", "اشتباكات بين قوات النظام وهيئة تحرير الشام في ريف إدلب الجنوبي", actor_ids=["hts", "syr-gov-forces"],
             governorates=["Idlib"], event_types=["armed_clash"], published_at="2024-01-02", escalation_score=0.8),
        _doc("b", "قصف مدفعي على مدينة دير الزور", governorates=["Deir ez-Zor"], event_types=["shelling"],
             published_at="2024-01-03", escalation_score=0.4),
        _doc("c", "مظاهرة في السويداء", governorates=["As-Suwayda"], event_types=["protest"], published_at="2024-01-01"),
    ])
    return store


def test_arabic_query_matches_prefixed_and_hamza_forms():
    store = _store()
    assert [h["id"] for h in store.search("ادلب").hits] == ["a"]
    assert [h["id"] for h in store.search("تحرير الشام").hits] == ["a"]
    assert store.search("حلب").total == 0


def test_filters_facets_and_escalation_threshold():
    store = _store()
    page = store.search(filters={"event_types": ["shelling", "protest"]}, sort="time")
    assert [h["id"] for h in page.hits] == ["b", "c"]
    assert dict(page.facets["governorates"]) == {"Deir ez-Zor": 1, "As-Suwayda": 1}
    assert [h["id"] for h in store.search(min_escalation=0.5).hits] == ["a"]
    assert [h["id"] for h in store.search(since="2024-01-02", sort="time").hits] == ["b", "a"]


def test_upsert_is_idempotent():
    store = _store()
    store.upsert_reports([_doc("a", "نص جديد عن حلب", governorates=["Aleppo"])])
    assert store.count("reports") == 3
    assert [h["id"] for h in store.search("حلب").hits] == ["a"]
    assert store.search("ادلب").total == 0


def test_query_syntax_is_treated_as_text():
    assert fts_query('تحرير OR "x* NEAR(') == '"تحرير" "or" "x" "near"'
    store = _store()
    assert store.search('ادلب OR *').total == 0  # "or" is a term to match, not an operator
    assert fts_query("  ") is None
