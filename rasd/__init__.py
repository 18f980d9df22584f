"""rasd (رصد): real-time monitoring of Arabic-language conflict reporting.

The ``rasd`` package is the framework-free core: it imports nothing from Kafka,
Faust, Elasticsearch or any web framework. Edges (``producers``, ``streams``,
``indexers``, ``api``) are thin adapters around it.
"""

__version__ = "0.1.0"
