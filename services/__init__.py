"""Local Kafka and Elasticsearch for development and tests: ``rasd services up | down | status``.

The entry point is :func:`services.local.run_command`. Everything is fetched from Maven Central
with the ordinary ``mvn`` client and runs from a cache outside the repository; nothing here is
imported by the analysis core (``rasd/``).
"""
