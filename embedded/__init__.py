"""The embedded mode's edges (``rasd run``): no Kafka, no Elasticsearch.

Reports are read by the producers' sources and validated by their publisher
(:mod:`producers.publisher`) into an in-process queue (:mod:`embedded.queue_sink`),
run through the core stages (:mod:`rasd.embedded`) into SQLite, and what each stage
did is shown to the reader (:mod:`embedded.summary`). Entry point:
:func:`embedded.runner.run_embedded`.
"""
