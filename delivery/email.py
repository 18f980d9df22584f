"""E-mail channel: a bilingual (Arabic, then English) plain-text and HTML message over SMTP.

The stdlib ``smtplib`` runs in a worker thread so the event loop never blocks on the relay.
SMTP 4xx replies and network errors are retried with back-off; 5xx replies are final.
Labels (severity, event types, governorates, headings) are data: ``templates/labels.json``.
"""

from __future__ import annotations

import asyncio
import html
import json
import random
import re
import smtplib
import ssl
import time
from email.header import Header
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote
from typing import Any, Awaitable, Callable

from delivery.base import Channel, DeliveryResult, DeliverySettings
from delivery.exceptions import TargetRefused
from delivery.retry import Attempt, RetryPolicy, run_with_retries
from rasd.errors import DataError

LABELS_PATH = Path(__file__).resolve().parent / "templates" / "labels.json"
LANGUAGES = ("ar", "en")
LIST_SEPARATOR = {"ar": "، ", "en": ", "}
MAX_SUBJECT_TITLE = 150
_WHITESPACE = re.compile(r"\s+")
_ADDRESS = re.compile(r"^[^@\s<>(),;:\"\[\]\\]+@[^@\s<>(),;:\"\[\]\\]+\.[^@\s<>(),;:\"\[\]\\]+$")
_MESSAGE_ID_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


@lru_cache(maxsize=1)
def load_labels() -> dict[str, Any]:
    """The label file, parsed once per process."""
    try:
        return json.loads(LABELS_PATH.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataError(f"cannot read delivery labels {LABELS_PATH.name}: {exc}") from exc


def translate_label(group: str, key: str, lang: str) -> str:
    """A label in ``lang``; the key itself when the label file has none.

    Example: ``translate_label("governorates", "Idlib", "ar")`` → ``"إدلب"``.
    """
    entry = load_labels().get(group, {}).get(key)
    return entry.get(lang, key) if isinstance(entry, dict) else key


def collapse_whitespace(text: Any) -> str:
    """One line: whitespace runs (newlines included) become one space. ``"قصف\\nعنيف"`` → ``"قصف عنيف"``."""
    return _WHITESPACE.sub(" ", str(text or "")).strip()


def build_alert_link(message: dict[str, Any], public_url: str) -> str | None:
    """Where the reader can see the alert: the report, the signal, or the subscription's alerts.

    Returns:
        ``<public_url>/reports/<report_id>``, ``/signals/<signal_id>``, ``/alerts?subscription_id=…``,
        or None without a public URL.
    """
    if not public_url:
        return None
    base = public_url.rstrip("/")
    if message.get("kind") == "report" and message.get("report_id"):
        return f"{base}/reports/{quote(str(message['report_id']), safe='')}"
    if message.get("kind") == "signal" and message.get("signal_id"):
        return f"{base}/signals/{quote(str(message['signal_id']), safe='')}"
    return f"{base}/alerts?subscription_id={quote(str(message.get('subscription_id', '')), safe='')}"


def describe_places(message: dict[str, Any], lang: str) -> str:
    """Governorates in ``lang``, then coordinates: ``"إدلب، حلب (35.93, 36.63)"``."""
    names = [translate_label("governorates", g, lang) for g in message.get("governorates") or ()]
    points = [f"({p['lat']:.2f}, {p['lon']:.2f})" for p in message.get("locations") or ()
              if isinstance(p, dict) and "lat" in p and "lon" in p]
    return " ".join(filter(None, [LIST_SEPARATOR[lang].join(names), " ".join(points[:5])]))


def build_fields(message: dict[str, Any], lang: str, public_url: str) -> list[tuple[str, str]]:
    """``(label, value)`` rows of one message in one language, empty values left out."""
    sep = LIST_SEPARATOR[lang]
    kind = str(message.get("kind", "report"))
    rows = [
        (translate_label("text", "severity", lang), translate_label("severity", str(message.get("severity")), lang)),
        (translate_label("text", "kind", lang), translate_label("kind", kind, lang)),
        (translate_label("text", "event_types", lang),
         sep.join(translate_label("event_types", e, lang) for e in message.get("event_types") or ())),
        (translate_label("text", "actors", lang), sep.join(str(a) for a in message.get("actor_ids") or ())),
        (translate_label("text", "places", lang), describe_places(message, lang)),
        (translate_label("text", "published_at", lang), str(message.get("published_at") or "")),
        (translate_label("text", "link", lang), build_alert_link(message, public_url) or ""),
    ]
    if kind == "digest":
        rows.insert(0, (translate_label("text", "digest_count", lang), str(message.get("count", 0))))
    return [(label, value) for label, value in rows if value]


def build_subject(message: dict[str, Any]) -> str:
    """``[رصد/rasd] [عالية/HIGH] <title>`` on one line, the title cut to a readable length."""
    severity = str(message.get("severity", "low"))
    title = collapse_whitespace(message.get("title"))
    if len(title) > MAX_SUBJECT_TITLE:
        title = title[:MAX_SUBJECT_TITLE - 1] + "…"
    brand = f"{translate_label('text', 'brand', 'ar')}/{translate_label('text', 'brand', 'en')}"
    level = f"{translate_label('severity', severity, 'ar')}/{translate_label('severity', severity, 'en').upper()}"
    return f"[{brand}] [{level}] {title}".strip()


def digest_items(message: dict[str, Any], lang: str, public_url: str) -> list[str]:
    """One line per alert of a digest: ``[severity] title — link``."""
    lines = []
    for alert in message.get("alerts") or ():
        severity = translate_label("severity", str(alert.get("severity")), lang)
        link = build_alert_link(alert, public_url)
        lines.append(f"[{severity}] {collapse_whitespace(alert.get('title'))}" + (f" — {link}" if link else ""))
    if message.get("omitted"):
        lines.append(f"+{message['omitted']} {translate_label('text', 'omitted', lang)}")
    return lines


def render_text(message: dict[str, Any], public_url: str = "") -> str:
    """The plain-text body: an Arabic section, then an English one."""
    heading_key = "digest" if message.get("kind") == "digest" else "alert"
    sections = []
    for lang in LANGUAGES:
        lines = [f"{translate_label('text', 'brand', lang)} — {translate_label('text', heading_key, lang)}",
                 collapse_whitespace(message.get("title")), ""]
        lines += [f"{label}: {value}" for label, value in build_fields(message, lang, public_url)]
        reasons = [collapse_whitespace(r) for r in message.get("reasons") or ()]
        if reasons:
            lines += ["", f"{translate_label('text', 'reasons', lang)}:"] + [f"- {r}" for r in reasons]
        items = digest_items(message, lang, public_url)
        if items:
            lines += [""] + [f"• {item}" for item in items]
        lines += ["", translate_label("text", "footer", lang)]
        sections.append("\n".join(lines))
    return ("\n\n" + "-" * 40 + "\n\n").join(sections) + "\n"


def render_html(message: dict[str, Any], public_url: str = "") -> str:
    """The HTML body: the same content, the Arabic section right-to-left; every value escaped."""
    esc = html.escape
    heading_key = "digest" if message.get("kind") == "digest" else "alert"
    parts = ['<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>']
    for lang in LANGUAGES:
        direction = "rtl" if lang == "ar" else "ltr"
        parts.append(f'<div lang="{lang}" dir="{direction}" style="font-family:sans-serif;margin-bottom:1.5em">')
        parts.append(f"<p><small>{esc(translate_label('text', 'brand', lang))} — "
                     f"{esc(translate_label('text', heading_key, lang))}</small></p>")
        parts.append(f"<h2>{esc(collapse_whitespace(message.get('title')))}</h2><table>")
        link = build_alert_link(message, public_url)
        for label, value in build_fields(message, lang, public_url):
            cell = f'<a href="{esc(value)}">{esc(value)}</a>' if value == link else esc(value)
            parts.append(f"<tr><th align=\"start\">{esc(label)}</th><td>{cell}</td></tr>")
        parts.append("</table>")
        reasons = [collapse_whitespace(r) for r in message.get("reasons") or ()]
        if reasons:
            parts.append(f"<p>{esc(translate_label('text', 'reasons', lang))}</p><ul>")
            parts.extend(f"<li>{esc(r)}</li>" for r in reasons)
            parts.append("</ul>")
        items = digest_items(message, lang, public_url)
        if items:
            parts.append("<ul>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>")
        parts.append(f"<p><small>{esc(translate_label('text', 'footer', lang))}</small></p></div>")
    parts.append("</body></html>")
    return "\n".join(parts)


def check_address(address: str) -> str:
    """A bare recipient address, or :class:`TargetRefused` (also against header injection).

    Example: ``"analyst@example.org"`` passes; ``"a@b.org\\nBcc: x@y.org"`` is refused.
    """
    name, bare = parseaddr(address)
    if not bare or name or bare != address.strip() or not _ADDRESS.match(bare):
        raise TargetRefused("malformed", f"not a bare e-mail address: {address!r}")
    return bare


class EncodedHeader(str):
    """A header value folded with ``email.header.Header``: RFC 2047 words with the spaces inside them.

    Under ``policy.default`` CPython (3.11) folds a long non-ASCII subject so that the space between
    two words becomes the whitespace BETWEEN two encoded-words, which RFC 2047 readers drop:
    "غارات جوية" arrived as "غاراتجوية". The policy folds any value that has ``name`` and ``fold``
    by calling it, so this keeps the email package's API while encoding the header correctly.
    """

    name: str

    def __new__(cls, name: str, value: str) -> "EncodedHeader":
        header = super().__new__(cls, value)
        header.name = name
        return header

    def fold(self, *, policy: Any) -> str:
        charset = "us-ascii" if self.isascii() else "utf-8"
        encoded = Header(str(self), charset, header_name=self.name).encode(linesep=policy.linesep)
        return f"{self.name}: {encoded}{policy.linesep}"


def build_email(message: dict[str, Any], to: str, sender: str, public_url: str = "") -> EmailMessage:
    """The complete MIME message: subject with severity, text and HTML alternatives, rasd headers."""
    msg = EmailMessage()
    msg["Subject"] = EncodedHeader("Subject", build_subject(message))
    msg["From"] = sender
    msg["To"] = to
    msg["Date"] = formatdate(usegmt=True)
    domain = parseaddr(sender)[1].rpartition("@")[2] or "rasd.invalid"
    msg["Message-ID"] = f"<{_MESSAGE_ID_UNSAFE.sub('-', str(message.get('id', 'alert')))}@{domain}>"
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Rasd-Alert-Id"] = collapse_whitespace(message.get("id"))
    msg["X-Rasd-Subscription-Id"] = collapse_whitespace(message.get("subscription_id"))
    msg["X-Rasd-Severity"] = collapse_whitespace(message.get("severity"))
    msg.set_content(render_text(message, public_url))
    msg.add_alternative(render_html(message, public_url), subtype="html")
    return msg


def classify_smtp_error(exc: Exception) -> Attempt:
    """A failed SMTP exchange as an :class:`Attempt`: 5xx final, 4xx and network errors retried."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        final = bool(codes) and all(code >= 500 for code in codes)
        return Attempt(ok=False, retryable=not final, status=codes[0] if codes else None,
                       error=f"recipient refused: {exc.recipients}")
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return Attempt(ok=False, retryable=False, error=f"SMTP relay lacks a feature: {exc}")
    if isinstance(exc, smtplib.SMTPResponseException):
        reply = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
        return Attempt(ok=False, retryable=exc.smtp_code < 500, status=exc.smtp_code,
                       error=f"SMTP {exc.smtp_code}: {reply}")
    return Attempt(ok=False, retryable=True, error=f"{type(exc).__name__}: {exc}")


class EmailChannel(Channel):
    """Sends alerts to one address per channel entry through the configured SMTP relay."""

    name = "email"
    required_options = ("smtp_host", "smtp_from")

    def __init__(self, settings: DeliverySettings, *, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 rand: Callable[[], float] = random.random):
        super().__init__(settings)
        self.policy = RetryPolicy.from_settings(settings)
        self._sleep = sleep
        self._rand = rand

    @classmethod
    def check_target(cls, target: str, settings: DeliverySettings) -> None:
        check_address(target)

    async def deliver(self, alert: dict[str, Any], target: str) -> DeliveryResult:
        started = time.perf_counter()
        try:
            to = check_address(target)
        except TargetRefused as exc:
            return DeliveryResult(ok=False, attempts=0, error=str(exc), outcome="refused", channel=self.name)
        msg = build_email(alert, to, self.settings.smtp_from, self.settings.public_url)

        async def send_once(_try: int) -> Attempt:
            try:
                await asyncio.to_thread(self.send_message, msg)
            except (smtplib.SMTPException, OSError) as exc:
                return classify_smtp_error(exc)
            return Attempt(ok=True, status=250)

        last, tries = await run_with_retries(send_once, self.policy, self._sleep, self._rand)
        return DeliveryResult(ok=last.ok, attempts=tries, status=last.status, error=last.error,
                              outcome="delivered" if last.ok else "failed", channel=self.name,
                              latency_ms=(time.perf_counter() - started) * 1000)

    def send_message(self, msg: EmailMessage) -> None:
        """One blocking SMTP session (runs in a worker thread)."""
        s = self.settings
        with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.delivery_timeout_seconds) as smtp:
            if s.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if s.smtp_username:
                smtp.login(s.smtp_username, s.smtp_password)
            smtp.send_message(msg)
