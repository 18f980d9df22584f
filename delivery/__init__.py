"""Alert delivery: webhooks, server-sent events and e-mail, with throttling, digests and dead letters.

One class per channel (``webhook.py``, ``sse.py``, ``email.py``), registered by name in
:data:`delivery.registry.CHANNELS`; :class:`delivery.dispatcher.Dispatcher` sends one alert to
every channel of its subscription. Alerts and subscriptions are plain dicts (``to_dict()`` form).
"""
