"""Where a subscription request becomes a checked :class:`rasd.schema.Subscription`.

The body is read with a size cap, decoded, validated by the model (bounds, known fields), then
by the core (:func:`rasd.matching.validate_subscription`: governorates, event types, ranges) and
by delivery (:func:`delivery.check_channel`: a webhook URL on a public address, a well-formed
e-mail address, a channel this server can deliver). Every refusal is a
:class:`api.exceptions.RequestBodyError` whose message names the field.
"""

from __future__ import annotations

import secrets
from dataclasses import replace
from typing import Any

from pydantic import ValidationError

from api.exceptions import RequestBodyError
from api.ingest import decode_json_body
from api.subscription_models import SubscriptionFields
from delivery import DeliverySettings, TargetRefused, check_channel
from delivery.registry import find_missing_options
from rasd.matching import InvalidSubscription, validate_subscription
from rasd.schema import Channel, Subscription

MAX_SUBSCRIPTION_BODY_BYTES = 64 * 1024
ID_PREFIX = "sub-"
EDITABLE_FIELDS = tuple(SubscriptionFields.model_fields)
# Channels delivered by the SSE stream of the API process need no server-side option.
STREAM_CHANNEL = "sse"


def new_subscription_id() -> str:
    """A fresh id, e.g. ``"sub-3f9c1a0b7e24d5c68a91"``."""
    return ID_PREFIX + secrets.token_hex(10)


def describe_validation_error(exc: ValidationError) -> str:
    """One line naming each bad field, e.g. ``"query: String should have at most 1000 characters"``."""
    parts = []
    for error in exc.errors(include_url=False):
        where = ".".join(str(p) for p in error.get("loc", ()))
        if error.get("type") == "json_invalid":
            return f"request body is not valid JSON: {error.get('ctx', {}).get('error', error['msg'])}"
        parts.append(f"{where}: {error['msg']}" if where else error["msg"])
    return "invalid subscription: " + "; ".join(parts[:10]) + (f" (and {len(parts) - 10} more)" if len(parts) > 10 else "")


def decode_object(raw: bytes) -> dict[str, Any]:
    """The JSON object of a request body.

    Raises:
        RequestBodyError: 422 for an empty body, a body :func:`api.ingest.decode_json_body` refuses, or a
            value that is not an object.
    """
    if not raw.strip():
        raise RequestBodyError(422, "request body is empty: send the subscription as a JSON object")
    body = decode_json_body(raw)
    if not isinstance(body, dict):
        raise RequestBodyError(422, f"request body must be a JSON object, not {type(body).__name__}")
    return body


def parse_fields(body: dict[str, Any]) -> SubscriptionFields:
    """Validate the subscriber's fields against the model.

    Raises:
        RequestBodyError: 422 naming every bad or unknown field.
    """
    try:
        return SubscriptionFields.model_validate(body)
    except ValidationError as exc:
        raise RequestBodyError(422, describe_validation_error(exc)) from None


def merge_patch(stored: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """The editable fields of ``stored`` with those of ``patch`` over them (unknown keys kept, to be refused)."""
    return {**{name: stored[name] for name in EDITABLE_FIELDS if name in stored}, **patch}


def build_subscription(fields: SubscriptionFields, *, subscription_id: str, owner: str,
                       created_at: str) -> Subscription:
    """The core subscription, checked by :func:`rasd.matching.validate_subscription`.

    An ``sse`` channel's target is the owner (the stream it goes to); repeated channels are kept once.

    Raises:
        RequestBodyError: 422 with the core's message (e.g. an unknown governorate).
    """
    channels = tuple(dict.fromkeys(
        Channel(c.type, owner if c.type == STREAM_CHANNEL else c.target.strip()) for c in fields.channels))
    for position, channel in enumerate(channels):
        if not channel.target:
            raise RequestBodyError(422, f"channels.{position}: a {channel.type} channel needs a target")
    subscription = Subscription(
        id=subscription_id, owner=owner, name=fields.name.strip(), query=fields.query.strip(),
        actors=tuple(dict.fromkeys(fields.actors)), governorates=tuple(dict.fromkeys(fields.governorates)),
        places=tuple(dict.fromkeys(fields.places)), event_types=tuple(dict.fromkeys(fields.event_types)),
        min_severity=fields.min_severity, min_escalation=fields.min_escalation,
        include_signals=fields.include_signals, channels=channels, throttle_seconds=fields.throttle_seconds,
        active=fields.active, created_at=created_at,
    )
    try:
        checked = validate_subscription(subscription)
    except InvalidSubscription as exc:
        raise RequestBodyError(422, str(exc).replace(f"subscription {subscription_id}: ", "")) from None
    return replace(checked, governorates=tuple(dict.fromkeys(checked.governorates)))


def check_channels(subscription: Subscription, settings: DeliverySettings) -> None:
    """Refuse a channel the server cannot deliver or a target it will not reach.

    Raises:
        RequestBodyError: 422, e.g. ``"channels.0 (webhook): refused (loopback): webhook address 127.0.0.1 is loopback"``.
    """
    for position, channel in enumerate(subscription.channels):
        label = f"channels.{position} ({channel.type})"
        try:
            check_channel({"type": channel.type, "target": channel.target}, settings)
        except TargetRefused as exc:
            raise RequestBodyError(422, f"{label}: refused ({exc.reason}): {exc}") from None
        if channel.type != STREAM_CHANNEL:
            missing = find_missing_options(settings, [channel.type])
            if missing:
                raise RequestBodyError(422, f"{label}: this server does not deliver {channel.type} alerts "
                                            f"({'; '.join(missing)})")


def inline_definitions(schema: dict[str, Any]) -> dict[str, Any]:
    """A JSON schema with its local ``#/$defs/...`` references replaced by the definitions, for embedding
    in the OpenAPI document (where ``#`` would mean the document, not the schema)."""
    definitions = schema.get("$defs", {})

    def expand(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return expand(definitions[ref.rsplit("/", 1)[1]])
            return {k: expand(v) for k, v in node.items() if k != "$defs"}
        if isinstance(node, list):
            return [expand(v) for v in node]
        return node

    return expand(schema)


def has_webhook(subscription: dict[str, Any]) -> bool:
    return any(c.get("type") == "webhook" for c in subscription.get("channels") or ())
