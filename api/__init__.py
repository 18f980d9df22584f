"""The HTTP API of rasd: search the reports archive, read reports and signals, ingest reports.

A thin edge around the core: queries are built from :mod:`rasd.search` (the same
normalisation the indexer applied), reports are validated and sent through
:class:`producers.publisher.ReportPublisher`, exactly like every other producer.
"""
