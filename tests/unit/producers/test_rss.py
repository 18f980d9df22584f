"""RSS polling against a real local HTTP server that honours ETag and Last-Modified."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from producers.memory_sink import MemorySink
from producers.runner import produce_rss
from producers.sources.rss import FeedStateStore, RssPoller

FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>المرصد</title><link>https://example.org</link>
<item><guid>g1</guid><title>قصف على كفرنبل</title><link>https://example.org/1</link>
<pubDate>Tue, 21 Aug 2018 10:00:00 GMT</pubDate>
<description>&lt;p&gt;قصف مدفعي من قوات النظام على &lt;b&gt;كفرنبل&lt;/b&gt;&lt;/p&gt;</description></item>
<item><guid>g2</guid><title>تعزيزات</title><link>https://example.org/2</link>
<description>وصول تعزيزات عسكرية إلى سهل الغاب</description></item>
</channel></rss>"""


class _Handler(BaseHTTPRequestHandler):
    requests: list = []

    def do_GET(self):
        type(self).requests.append((self.path, self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")))
        if self.path == "/broken":
            self.send_response(500)
            self.end_headers()
            return
        if self.headers.get("If-None-Match") == '"v1"':
            self.send_response(304)
            self.end_headers()
            return
        body = FEED.encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
        self.send_header("ETag", '"v1"')
        self.send_header("Last-Modified", "Tue, 21 Aug 2018 10:00:00 GMT")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    _Handler.requests = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_conditional_get_and_state_across_restarts(server, tmp_path):
    state = tmp_path / "feeds.json"
    sink = MemorySink()
    first = produce_rss(sink, [f"{server}/feed", f"{server}/broken"], state, once=True, interval_s=0)
    assert len(first.accepted) == 2
    report = json.loads(sink.reports[0][1])
    assert report["text"] == "قصف مدفعي من قوات النظام على كفرنبل"
    assert report["source"] == "المرصد" and report["published_at"].startswith("2018-08-21T10:00:00")

    # A new process (new state object from the file) sends the validators and gets 304: nothing new.
    second = produce_rss(MemorySink(), [f"{server}/feed"], state, once=True, interval_s=0)
    assert second.accepted == []
    feed_requests = [r for r in _Handler.requests if r[0] == "/feed"]
    assert feed_requests[-1][1] == '"v1"' and feed_requests[-1][2] is not None

    saved = json.loads(state.read_text())
    assert saved[f"{server}/broken"]["failures"] == 1
    assert saved[f"{server}/feed"]["failures"] == 0


def test_a_failing_feed_is_backed_off(server, tmp_path):
    poller = RssPoller([f"{server}/broken"], FeedStateStore(tmp_path / "s.json"), min_interval_s=100)
    list(poller.poll_due(now=1000.0))
    feed = poller.feeds()[0]
    assert feed.state.failures == 1
    assert not feed.due(1150.0)  # 100 s × 2^1 back-off
    assert feed.due(1201.0)
