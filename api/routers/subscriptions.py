"""``/subscriptions``: standing alert queries of the key's owner.

Each write is sent to the compacted subscriptions topic (the stream worker matches against it,
the delivery worker reads the channels from it) and kept in the API's database, in one
transaction: if Kafka does not acknowledge, nothing changes (503). Another owner's subscription
is answered 404, as if it did not exist.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Path, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from api.auth import OwnerDep
from api.config import ApiSettings
from api.dependencies import StreamingDep
from api.exceptions import RequestBodyError
from api.ingest import read_body_capped
from api.keys import utc_now_iso
from api.models import ErrorResponse
from api.queries import MAX_PAGE
from api.state import ApiSettingsDep, DeliverySettingsDep, SubscriptionStoreDep, SubscriptionWriterDep
from api.subscription_models import SubscriptionFields, SubscriptionList, SubscriptionOut, SubscriptionSaved
from api.subscription_rules import (MAX_SUBSCRIPTION_BODY_BYTES, build_subscription, check_channels, decode_object,
                                    has_webhook, inline_definitions, merge_patch, new_subscription_id,
                                    parse_fields)
from api.subscription_store import SubscriptionLimit, SubscriptionStore
from api.subscription_topic import SubscriptionPublishError, SubscriptionWriter
from delivery import DeliverySettings, derive_webhook_secret

log = logging.getLogger(__name__)

router = APIRouter(prefix="/subscriptions", tags=["subscriptions"])

SubscriptionId = Annotated[str, Path(min_length=1, max_length=100)]

_AUTH = {401: {"model": ErrorResponse, "description": "No API key, or not a valid one."}}
_NOT_FOUND = {404: {"model": ErrorResponse, "description": "The owner has no subscription with this id."}}
_WRITE_ERRORS = {
    **_AUTH,
    409: {"model": ErrorResponse, "description": "The owner holds the most subscriptions allowed."},
    413: {"model": ErrorResponse, "description": f"Body over {MAX_SUBSCRIPTION_BODY_BYTES} bytes."},
    422: {"model": ErrorResponse, "description": "Malformed JSON, an unknown or bad field, a refused channel target."},
    503: {"model": ErrorResponse, "description": ("Kafka did not acknowledge: nothing was changed (or the API serves "
                                                  "the embedded database, which takes no subscriptions).")},
}
_BODY = {"requestBody": {"required": True, "content": {"application/json": {
    "schema": inline_definitions(SubscriptionFields.model_json_schema())}}}}


async def read_object(request: Request) -> dict[str, Any]:
    raw = await read_body_capped(request.headers.get("content-length"), request.stream(),
                                 limit=MAX_SUBSCRIPTION_BODY_BYTES)
    return decode_object(raw)


def secret_for(delivery: DeliverySettings, saved: dict[str, Any], before: dict[str, Any] | None) -> str | None:
    """The webhook signing secret, when this write adds the subscription's first webhook."""
    if has_webhook(saved) and (before is None or not has_webhook(before)):
        return derive_webhook_secret(delivery.webhook_secret, saved["id"])
    return None


async def save(body: dict[str, Any], *, owner: str, subscription_id: str, created_at: str,
               before: dict[str, Any] | None, settings: ApiSettings, delivery: DeliverySettings,
               store: SubscriptionStore, writer: SubscriptionWriter) -> SubscriptionSaved:
    """Check, publish and store one subscription; the answer carries the secret when it is new."""
    subscription = build_subscription(parse_fields(body), subscription_id=subscription_id, owner=owner,
                                      created_at=created_at)
    check_channels(subscription, delivery)
    document = subscription.to_dict()
    now = utc_now_iso()
    try:
        await run_in_threadpool(store.save, document, now, lambda: writer.put(document),
                                settings.max_subscriptions if before is None else None)
    except SubscriptionLimit as exc:
        raise RequestBodyError(409, str(exc)) from None
    except SubscriptionPublishError as exc:
        log.warning("subscription not saved id=%s error=%s", subscription_id, exc)
        raise HTTPException(503, f"the subscription was not saved: {exc}") from None
    log.info("subscription saved id=%s owner=%s created=%s channels=%s", subscription_id, owner, before is None,
             ",".join(c.type for c in subscription.channels) or "-")
    return SubscriptionSaved(**document, updated_at=now, webhook_secret=secret_for(delivery, document, before))


async def find(store: SubscriptionStore, owner: str, subscription_id: str) -> dict[str, Any]:
    found = await run_in_threadpool(store.get, owner, subscription_id)
    if found is None:
        raise HTTPException(404, f"no subscription with id {subscription_id!r}")
    return found


@router.post("", status_code=201, response_model=SubscriptionSaved, summary="Create a subscription",
             description=("The answer holds `webhook_secret` when the subscription has a webhook: the key of its "
                          "X-Rasd-Signature header, not shown again."),
             openapi_extra=_BODY, dependencies=[StreamingDep], responses=_WRITE_ERRORS)
async def create_subscription(request: Request, response: Response, owner: OwnerDep, settings: ApiSettingsDep,
                              delivery: DeliverySettingsDep, store: SubscriptionStoreDep,
                              writer: SubscriptionWriterDep) -> SubscriptionSaved:
    body = await read_object(request)
    subscription_id = new_subscription_id()
    saved = await save(body, owner=owner, subscription_id=subscription_id, created_at=utc_now_iso(), before=None,
                       settings=settings, delivery=delivery, store=store, writer=writer)
    response.headers["Location"] = f"/subscriptions/{subscription_id}"
    return saved


@router.get("", response_model=SubscriptionList, summary="List the owner's subscriptions", responses=_AUTH)
async def list_subscriptions(owner: OwnerDep, store: SubscriptionStoreDep,
                             page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
                             size: Annotated[int, Query(ge=1, le=100)] = 50) -> SubscriptionList:
    total, found = await run_in_threadpool(store.list, owner, size, (page - 1) * size)
    return SubscriptionList(total=total, page=page, size=size,
                            subscriptions=[SubscriptionOut.model_validate(s) for s in found])


@router.get("/{subscription_id}", response_model=SubscriptionOut, summary="One subscription",
            responses={**_AUTH, **_NOT_FOUND})
async def get_subscription(subscription_id: SubscriptionId, owner: OwnerDep,
                           store: SubscriptionStoreDep) -> SubscriptionOut:
    return SubscriptionOut.model_validate(await find(store, owner, subscription_id))


async def update(subscription_id: str, request: Request, owner: str, *, partial: bool, settings: ApiSettings,
                 delivery: DeliverySettings, store: SubscriptionStore, writer: SubscriptionWriter) -> SubscriptionSaved:
    """PUT (every field from the body) or PATCH (the body's fields over the stored ones)."""
    before = await find(store, owner, subscription_id)
    body = await read_object(request)
    return await save(merge_patch(before, body) if partial else body, owner=owner, subscription_id=subscription_id,
                      created_at=before["created_at"], before=before, settings=settings, delivery=delivery,
                      store=store, writer=writer)


@router.put("/{subscription_id}", response_model=SubscriptionSaved, summary="Replace a subscription",
            description="Every field takes the value sent, or its default.",
            openapi_extra=_BODY, dependencies=[StreamingDep], responses={**_WRITE_ERRORS, **_NOT_FOUND})
async def replace_subscription(subscription_id: SubscriptionId, request: Request, owner: OwnerDep,
                               settings: ApiSettingsDep, delivery: DeliverySettingsDep, store: SubscriptionStoreDep,
                               writer: SubscriptionWriterDep) -> SubscriptionSaved:
    return await update(subscription_id, request, owner, partial=False, settings=settings, delivery=delivery,
                        store=store, writer=writer)


@router.patch("/{subscription_id}", response_model=SubscriptionSaved, summary="Change some fields",
              description="Send only the fields to change, e.g. `{\"active\": false}`.",
              openapi_extra=_BODY, dependencies=[StreamingDep], responses={**_WRITE_ERRORS, **_NOT_FOUND})
async def patch_subscription(subscription_id: SubscriptionId, request: Request, owner: OwnerDep,
                             settings: ApiSettingsDep, delivery: DeliverySettingsDep, store: SubscriptionStoreDep,
                             writer: SubscriptionWriterDep) -> SubscriptionSaved:
    return await update(subscription_id, request, owner, partial=True, settings=settings, delivery=delivery,
                        store=store, writer=writer)


@router.delete("/{subscription_id}", status_code=204, summary="Delete a subscription",
               description="A tombstone goes to the subscriptions topic: matching and delivery stop.",
               dependencies=[StreamingDep],
               responses={**_AUTH, **_NOT_FOUND,
                          503: {"model": ErrorResponse, "description": (
                              "Kafka did not acknowledge (or the API serves the embedded database).")}})
async def delete_subscription(subscription_id: SubscriptionId, owner: OwnerDep, store: SubscriptionStoreDep,
                              writer: SubscriptionWriterDep) -> Response:
    try:
        deleted = await run_in_threadpool(store.delete, owner, subscription_id, lambda: writer.delete(subscription_id))
    except SubscriptionPublishError as exc:
        raise HTTPException(503, f"the subscription was not deleted: {exc}") from None
    if not deleted:
        raise HTTPException(404, f"no subscription with id {subscription_id!r}")
    log.info("subscription deleted id=%s owner=%s", subscription_id, owner)
    return Response(status_code=204)
