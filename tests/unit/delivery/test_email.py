"""E-mail channel against a real aiosmtpd SMTP server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import email
from email import policy

import pytest

from delivery.base import DeliverySettings
from delivery.email import (
    EmailChannel,
    build_alert_link,
    build_email,
    build_subject,
    check_address,
    render_text,
    translate_label,
)
from delivery.exceptions import TargetRefused
from delivery.throttle import Digest, ThrottleKey
from tests.unit.delivery.factories import make_alert
from tests.unit.delivery.servers import SleepRecorder, StoringHandler, free_port

SENDER = "alerts@rasd.example.org"
RECIPIENT = "analyst@example.org"


def make_settings(port: int, **overrides) -> DeliverySettings:
    values = dict(smtp_host="127.0.0.1", smtp_port=port, smtp_from=SENDER, delivery_max_attempts=3,
                  delivery_timeout_seconds=5.0, public_url="https://rasd.example.org")
    values.update(overrides)
    return DeliverySettings(**values)


def send(settings, message, target=RECIPIENT, sleep=None):
    channel = EmailChannel(settings, sleep=sleep or SleepRecorder())
    return asyncio.run(channel.deliver(message, target))


def parse(envelope) -> email.message.EmailMessage:
    return email.message_from_bytes(envelope.original_content, policy=policy.default)


def test_alert_arrives_with_headers_and_readable_arabic_and_english(smtp_server):
    handler = StoringHandler()
    alert = make_alert()
    result = send(make_settings(smtp_server(handler)), alert)
    assert (result.ok, result.attempts, result.status, result.outcome) == (True, 1, 250, "delivered")
    [envelope] = handler.envelopes
    assert envelope.mail_from == SENDER and envelope.rcpt_tos == [RECIPIENT]
    msg = parse(envelope)
    assert msg["From"] == SENDER and msg["To"] == RECIPIENT
    assert msg["Subject"] == f"[رصد/rasd] [عالية/HIGH] {alert['title']}"
    assert msg["Message-ID"] == "<alert-0001@rasd.example.org>"
    assert msg["X-Rasd-Alert-Id"] == "alert-0001" and msg["X-Rasd-Subscription-Id"] == "sub-idlib"
    assert msg["Auto-Submitted"] == "auto-generated"

    text = msg.get_body(("plain",)).get_content()
    for expected in (alert["title"], "الخطورة: عالية", "الأحداث: غارة جوية، قتل", "الأماكن: إدلب (35.60, 36.65)",
                     "الأطراف: ru-forces، syr-gov-forces", "- governorate: Idlib",
                     "Severity: high", "Events: airstrike, killing", "Places: Idlib (35.60, 36.65)",
                     "https://rasd.example.org/reports/report-42"):
        assert expected in text, expected
    assert text.index("الخطورة") < text.index("Severity")  # Arabic first

    html = msg.get_body(("html",)).get_content()
    assert 'lang="ar" dir="rtl"' in html and 'lang="en" dir="ltr"' in html
    assert '<a href="https://rasd.example.org/reports/report-42">' in html
    assert "غارة جوية" in html


def test_digest_lists_every_alert(smtp_server):
    handler = StoringHandler()
    digest = Digest(ThrottleKey("sub-idlib", "email", RECIPIENT),
                    (make_alert(id="a1", title="قصف مدفعي على كفرنبل", severity="medium"),
                     make_alert(id="a2", title="اشتباكات في جسر الشغور", severity="high", report_id="r-2")),
                    omitted=1, window_start=1_700_000_000.0, window_end=1_700_000_600.0).to_message()
    assert send(make_settings(smtp_server(handler)), digest).ok
    msg = parse(handler.envelopes[0])
    assert msg["Subject"].startswith("[رصد/rasd] [عالية/HIGH] 3 alerts")
    text = msg.get_body(("plain",)).get_content()
    assert "ملخص التنبيهات" in text and "Alert digest" in text
    assert "عدد التنبيهات: 3" in text
    assert "• [متوسطة] قصف مدفعي على كفرنبل — https://rasd.example.org/reports/report-42" in text
    assert "• [high] اشتباكات في جسر الشغور — https://rasd.example.org/reports/r-2" in text
    assert "+1 تنبيهات أخرى لم تُعرض" in text and "+1 more alerts not shown" in text


def test_markup_in_alert_text_is_escaped_in_html(smtp_server):
    handler = StoringHandler()
    send(make_settings(smtp_server(handler)), make_alert(title="<script>alert(1)</script> هجوم"))
    html = parse(handler.envelopes[0]).get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; هجوم" in html


def test_temporary_4xx_is_retried_then_delivered(smtp_server):
    handler = StoringHandler(replies=["451 4.3.0 try again later"])
    sleep = SleepRecorder()
    result = send(make_settings(smtp_server(handler), delivery_backoff_seconds=0.5), make_alert(), sleep=sleep)
    assert (result.ok, result.attempts) == (True, 2)
    assert len(sleep.delays) == 1 and len(handler.envelopes) == 1


def test_permanent_5xx_is_final(smtp_server):
    handler = StoringHandler(refuse_rcpt="550 5.1.1 no such user")
    result = send(make_settings(smtp_server(handler)), make_alert())
    assert (result.ok, result.attempts, result.status, result.outcome) == (False, 1, 550, "failed")
    assert "no such user" in result.error and handler.envelopes == []


def test_unreachable_relay_is_retried_then_fails():
    sleep = SleepRecorder()
    result = send(make_settings(free_port()), make_alert(), sleep=sleep)
    assert (result.ok, result.attempts, result.outcome) == (False, 3, "failed")
    assert "ConnectionRefusedError" in result.error and len(sleep.delays) == 2


@pytest.mark.parametrize("address", [
    "analyst@example.org\r\nBcc: spy@example.org", "Analyst <analyst@example.org>", "no-at-sign",
    "a@b@example.org", "", "analyst@localhost",
])
def test_malformed_addresses_are_refused_before_any_smtp(address):
    with pytest.raises(TargetRefused):
        check_address(address)
    result = send(make_settings(free_port()), make_alert(), target=address)
    assert (result.ok, result.attempts, result.outcome) == (False, 0, "refused")


def test_subject_is_one_line_and_bounded():
    subject = build_subject(make_alert(title="سطر أول\nBcc: x@example.org " + "ب" * 400, severity="medium"))
    assert "\n" not in subject and subject.startswith("[رصد/rasd] [متوسطة/MEDIUM] سطر أول Bcc")
    assert len(subject) < 200 and subject.endswith("…")


def test_signal_alert_links_to_the_signal_and_labels_fall_back_to_keys():
    text = render_text(make_alert(kind="signal", report_id=None, signal_id="sig-7", governorates=["Atlantis"]),
                       "https://rasd.example.org/")
    assert "https://rasd.example.org/signals/sig-7" in text and "إشارة تصعيد" in text
    assert translate_label("governorates", "Atlantis", "ar") == "Atlantis"
    assert translate_label("governorates", "Deir ez-Zor", "ar") == "دير الزور"


def test_long_arabic_subject_is_folded_without_losing_spaces():
    title = "غارات جوية روسية على ريف إدلب الجنوبي ومقتل ثلاثة مدنيين بينهم طفلان في بلدة كفرنبل"
    msg = build_email(make_alert(title=title), RECIPIENT, SENDER)
    raw = msg.as_bytes(policy=policy.default.clone(linesep="\r\n"))
    head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
    subject_lines = head.split("Subject: ", 1)[1].split("\r\nFrom:", 1)[0].split("\r\n")
    assert len(subject_lines) > 1 and all(len(line) <= 78 for line in subject_lines)
    assert email.message_from_bytes(raw, policy=policy.default)["Subject"].endswith(title)


def test_links_are_url_encoded():
    assert build_alert_link({"kind": "digest", "subscription_id": "sub 1&x"}, "https://r.example.org/") == (
        "https://r.example.org/alerts?subscription_id=sub%201%26x")
    assert build_alert_link({"kind": "report", "report_id": "a/b"}, "https://r.example.org") == (
        "https://r.example.org/reports/a%2Fb")
    assert build_alert_link(make_alert(), "") is None
