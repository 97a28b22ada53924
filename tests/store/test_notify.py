"""A new message is announced to the team: a signed JSON POST to ``NOTIFY_URL``, retried with back-off.

The receiver is a real HTTP server on 127.0.0.1 (a thread of the test); the message is left in a
simulated call at a closed hour, as a caller would leave it. Retries run on an injected clock
(``Notifier.run_once(now)``), so the back-off is checked to the second without waiting for it.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from store_support import SUNDAY_MORNING, cli_json, flush, simulator, store_app

from ivr.store.notify import Notifier, verify

SECRET = "notify-test-secret-5f2c"
CALLER = "+8613912345678"


@dataclass
class Receiver:
    """What the team's endpoint saw: every POST's headers and body; answers ``statuses`` in turn, then 200."""

    url: str = ""
    statuses: list[int] = field(default_factory=list)
    posts: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)

    def wait_for(self, count: int, timeout: float = 10.0) -> None:
        while len(self.posts) < count:
            assert self.arrived.wait(timeout), f"the receiver got {len(self.posts)} POSTs, not {count}"
            self.arrived.clear()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    seen = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            seen.posts.append((dict(self.headers.items()), body))
            status = seen.statuses.pop(0) if seen.statuses else 200
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()
            seen.arrived.set()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    seen.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/ivr"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield seen
    finally:
        server.shutdown()
        server.server_close()


def _leave_message(app) -> str:
    call = simulator(app, from_=CALLER).call()
    call.press("2").press("5").press("5")  # English → a wallet's customer service → Baidu Wallet (closed on Sunday)
    call.press("1").leave_message("please call me back about my refund")
    assert call.ended
    return call.engine.parties.call_sid


def test_a_new_message_is_posted_signed_to_the_teams_receiver(
    sqlite_url: str, tmp_path: Path, receiver, capsys, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.INFO, logger="ivr.store")
    app = store_app(sqlite_url, tmp_path / "spool", SUNDAY_MORNING, NOTIFY_URL=receiver.url, NOTIFY_SECRET=SECRET)
    sid = _leave_message(app)
    flush(app)  # forwards the spool and runs the notifier once (its own thread may have been first)
    receiver.wait_for(1)

    assert len(receiver.posts) == 1  # one message, one announcement
    headers, body = receiver.posts[0]
    assert headers["Content-Type"] == "application/json"
    assert headers["X-IVR-Event"] == "message.new"
    assert verify(SECRET, headers, body)  # what the receiver checks with the shared secret
    assert not verify("some-other-secret", headers, body)
    assert not verify(SECRET, headers, body.replace(b"refund", b"xxxxxx") + b" ")  # a changed body fails
    sent = json.loads(body)
    assert sent["event"] == "message.new"
    assert sent["call_sid"] == sid and sent["caller"] == CALLER and sent["hotline"] == "baiduwallet"
    assert sent["language"] == "en-US"
    assert sent["recording_url"].startswith("https://api.twilio.com/") and sent["recording_sid"].startswith("RE")
    assert headers["X-IVR-Delivery"] == str(sent["id"])

    flush(app)  # delivered once: a later round posts nothing more
    assert len(receiver.posts) == 1
    [message] = cli_json(capsys, "messages", "--database-url", sqlite_url)
    assert message["notified_at"] and message["notify_attempts"] == 1 and message["notify_error"] is None
    announced = [r.getMessage() for r in caplog.records if "announced" in r.getMessage()]
    assert announced == [f"store: message {sent['id']} from ***5678 announced"]  # the log masks the caller
    assert CALLER[1:] not in caplog.text


def test_a_receiver_that_fails_is_retried_with_back_off(database_url: str, tmp_path: Path, receiver, capsys):
    receiver.statuses = [503, 500]  # down twice, then up
    app = store_app(database_url, tmp_path / "spool", SUNDAY_MORNING)  # no NOTIFY_URL: the test drives the notifier
    _leave_message(app)
    flush(app)
    engine = app.extensions["ivr"]["store"].engine
    t0 = datetime(2026, 12, 6, 2, 0, tzinfo=UTC)
    notifier = Notifier(engine, receiver.url, SECRET, clock=lambda: t0)

    assert notifier.run_once() == 0  # first attempt: 503
    assert len(receiver.posts) == 1
    assert notifier.run_once(t0 + timedelta(seconds=4)) == 0  # backing off 5 s: nothing is posted
    assert len(receiver.posts) == 1
    assert notifier.run_once(t0 + timedelta(seconds=5)) == 0  # second attempt: 500
    assert len(receiver.posts) == 2
    assert notifier.run_once(t0 + timedelta(seconds=14)) == 0  # now 10 s
    assert len(receiver.posts) == 2
    assert notifier.run_once(t0 + timedelta(seconds=15)) == 1  # third attempt: delivered
    assert len(receiver.posts) == 3
    assert notifier.run_once(t0 + timedelta(hours=2)) == 0  # and never again
    assert len(receiver.posts) == 3

    bodies = {body for _headers, body in receiver.posts}
    assert len(bodies) == 1  # the same announcement each time, freshly signed
    for headers, body in receiver.posts:
        sent_at = int(headers["X-IVR-Timestamp"])
        assert verify(SECRET, headers, body, now=sent_at)
    assert [int(h["X-IVR-Timestamp"]) - int(t0.timestamp()) for h, _ in receiver.posts] == [0, 5, 15]
    [message] = cli_json(capsys, "messages", "--database-url", database_url)
    assert message["notify_attempts"] == 3 and message["notify_error"] is None and message["notified_at"]


def test_an_unreachable_receiver_is_retried_and_the_reason_kept(sqlite_url: str, tmp_path: Path, capsys):
    app = store_app(sqlite_url, tmp_path / "spool", SUNDAY_MORNING)
    _leave_message(app)
    flush(app)
    engine = app.extensions["ivr"]["store"].engine
    t0 = datetime(2026, 12, 6, 2, 0, tzinfo=UTC)
    with ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler) as closed:
        url = f"http://127.0.0.1:{closed.server_address[1]}/"  # bound, then closed: nothing listens there
    notifier = Notifier(engine, url, SECRET)
    assert notifier.run_once(t0) == 0
    [message] = cli_json(capsys, "messages", "--database-url", sqlite_url)
    assert message["notified_at"] is None and message["notify_attempts"] == 1
    assert message["notify_error"]  # why, for whoever looks at the inbox
    assert notifier.run_once(t0 + timedelta(seconds=4)) == 0
    [message] = cli_json(capsys, "messages", "--database-url", sqlite_url)
    assert message["notify_attempts"] == 1  # not retried inside the back-off
