"""Filter cases that every search backend (Elasticsearch, SQLite) must answer alike.

The three reports behind them (ids ``r-idlib``, ``r-hama``, ``r-damascus``) are built by each
backend's test module; both modules run this one table so the backends cannot drift apart.
"""

FILTER_CASES = [
    ({"governorate": "Hama"}, {"r-hama"}),
    ({"governorate": ["Hama", "Damascus"]}, {"r-hama", "r-damascus"}),
    ({"actor": "syr-gov-forces"}, {"r-idlib", "r-hama"}),
    ({"actor": ["hts", "nfl"]}, {"r-idlib", "r-hama"}),
    ({"actor": "hts", "governorate": "Hama"}, set()),
    ({"place": "SY01"}, {"r-damascus"}),
    ({"event_type": "armed_clash"}, {"r-idlib", "r-hama"}),
    ({"since": "2018-09-01"}, {"r-hama", "r-damascus"}),
    ({"until": "2018-08-20"}, {"r-idlib"}),  # a bare date includes its whole day
    ({"since": "2018-09-05T08:30:00Z", "until": "2018-09-05T08:30:00Z"}, {"r-hama"}),
    ({"min_escalation": 0.5}, {"r-idlib"}),
    ({"q": "اشتباكات", "governorate": "Idlib"}, {"r-idlib"}),
]
