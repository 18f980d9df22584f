"""Dependencies of the key, subscription and alert routes, as ``Annotated`` aliases.

Everything lives on ``app.state`` (set by :func:`api.app.create_app`), so tests swap any of it
with ``app.dependency_overrides``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from api.alert_feed import AlertFeed
from api.config import ApiSettings
from api.keys import KeyStore
from api.subscription_store import SubscriptionStore
from api.subscription_topic import SubscriptionWriter
from delivery import AlertBroadcaster, DeliverySettings


def get_api_settings(request: Request) -> ApiSettings:
    return request.app.state.api_settings


def get_delivery_settings(request: Request) -> DeliverySettings:
    return request.app.state.delivery_settings


def get_key_store(request: Request) -> KeyStore:
    return request.app.state.keys


def get_subscription_store(request: Request) -> SubscriptionStore:
    return request.app.state.subscriptions


def get_subscription_writer(request: Request) -> SubscriptionWriter:
    return request.app.state.subscription_writer


def get_broadcaster(request: Request) -> AlertBroadcaster:
    return request.app.state.broadcaster


def get_alert_feed(request: Request) -> AlertFeed:
    return request.app.state.alert_feed


ApiSettingsDep = Annotated[ApiSettings, Depends(get_api_settings)]
DeliverySettingsDep = Annotated[DeliverySettings, Depends(get_delivery_settings)]
KeyStoreDep = Annotated[KeyStore, Depends(get_key_store)]
SubscriptionStoreDep = Annotated[SubscriptionStore, Depends(get_subscription_store)]
SubscriptionWriterDep = Annotated[SubscriptionWriter, Depends(get_subscription_writer)]
BroadcasterDep = Annotated[AlertBroadcaster, Depends(get_broadcaster)]
AlertFeedDep = Annotated[AlertFeed, Depends(get_alert_feed)]
