"""Simulated calls are real calls: what a caller did shows up in `ivr calls` and `ivr messages`.

Each test runs on SQLite and on a real PostgreSQL server (``database_url``).
"""

from __future__ import annotations

from pathlib import Path

from store_support import SUNDAY_MORNING, TUESDAY_NOON, cli, cli_json, flush, simulator, store_app


def test_a_message_left_at_a_closed_hour_is_in_the_inbox_and_the_journey(database_url: str, tmp_path: Path, capsys):
    app = store_app(database_url, tmp_path / "spool", SUNDAY_MORNING)
    call = simulator(app, from_="+8613912345678").call()
    call.press("2").press("5").press("5")  # English → a wallet's customer service → Baidu Wallet (closed on Sunday)
    call.expect_heard("closed")
    call.press("1").leave_message("please call me back about a refund")
    assert call.ended
    flush(app)
    store = ("--database-url", database_url, "--spool-dir", str(tmp_path / "spool"))

    messages = cli_json(capsys, "messages", *store)
    assert len(messages) == 1
    message = messages[0]
    assert message["caller"] == "+8613912345678"
    assert message["hotline"] == "baiduwallet"
    assert message["language"] == "en-US"
    assert message["status"] == "new"
    assert message["recording_url"].startswith("https://api.twilio.com/2010-04-01/Accounts/")
    assert message["recording_sid"].startswith("RE") and message["recording_url"].endswith(message["recording_sid"])
    assert message["duration_s"] >= 1

    sid = call.engine.parties.call_sid
    shown = cli_json(capsys, "calls", "show", sid, *store)
    assert shown["call"]["from"] == "+8613912345678"
    assert shown["call"]["path"] == ["welcome", "main", "agents", "to_baiduwallet"]
    assert shown["call"]["outcome"] == "left a message"
    assert shown["call"]["call_status"] == "completed" and shown["call"]["duration_s"] > 0
    kinds = [e["kind"] for e in shown["events"]]
    assert kinds[0] == "start" and kinds[-1] == "end"
    assert kinds.index("closed") < kinds.index("record") < kinds.index("recorded") < kinds.index("message")
    closed = next(e for e in shown["events"] if e["kind"] == "closed")
    assert closed["hotline"] == "baiduwallet"

    code, text, _ = cli(capsys, "calls", "show", sid, *store)
    assert code == 0
    assert "baiduwallet is closed" in text and "recording completed: https://api.twilio.com/" in text

    code, listing, _ = cli(capsys, "calls", *store)
    assert code == 0
    assert "welcome > main > agents > to_baiduwallet" in listing and "[left a message]" in listing
    assert "***5678" in listing and "+8613912345678" not in listing  # the list masks callers

    assert cli(capsys, "messages", "handle", str(message["id"]), *store)[0] == 0
    assert cli_json(capsys, "messages", "--status", "new", *store) == []
    assert [m["id"] for m in cli_json(capsys, "messages", "--status", "handled", *store)] == [message["id"]]


def test_inputs_reprompts_fallbacks_and_a_transfer_are_recorded(database_url: str, tmp_path: Path, capsys):
    app = store_app(database_url, tmp_path / "spool", TUESDAY_NOON)
    call = simulator(app).call()
    call.press("1")  # 普通话
    call.press("7")  # no such option at the main menu: a no-match and a reprompt
    call.silence()  # a no-input and a reprompt
    call.say("退款", confidence=0.93)  # speech: 付款、充值和退款
    call.press("3").press("0").press("1")  # 退款 → 客服 (0, from the answer) → 支付宝
    assert call.dialed == "sip:95188@trunk.example.com"  # the wallet line dials through its SIP trunk
    call.dial_outcome("busy", 0)
    call.hangup()
    flush(app)
    shown = cli_json(capsys, "calls", "show", call.engine.parties.call_sid, "--database-url", database_url)
    events = shown["events"]
    by_kind = {e["kind"]: e for e in events}
    no_match = next(e for e in events if e["kind"] == "input" and e.get("value") == "7")
    assert no_match["node"] == "main" and "choice" not in no_match and no_match["attempt"] == 1
    assert any(e["kind"] == "reprompt" and e["status"] == "no_match" for e in events)
    assert by_kind["no_input"]["node"] == "main" and by_kind["no_input"]["attempt"] == 1
    assert any(e["kind"] == "reprompt" and e["status"] == "no_input" for e in events)
    speech = next(e for e in events if e.get("input_mode") == "speech")
    assert speech["value"] == "退款" and speech["confidence"] == 0.93 and speech["choice"].startswith("option")
    assert by_kind["language"]["language"] == "zh-CN"
    assert by_kind["transfer"]["hotline"] == "alipay" and by_kind["transfer"]["target"] == "95188"
    assert by_kind["dial"]["status"] == "busy" and by_kind["dial"]["hotline"] == "alipay"
    assert by_kind["end"]["status"] == "completed"
    assert shown["call"]["outcome"] == "transfer to alipay: busy"
    assert shown["call"]["language"] == "zh-CN"


def test_running_out_of_attempts_is_a_fallback(sqlite_url: str, tmp_path: Path, capsys):
    app = store_app(sqlite_url, tmp_path / "spool", TUESDAY_NOON)
    call = simulator(app).call().press("2")
    for _ in range(5):
        if call.ended or call.waiting_for != "gather":
            break
        call.press("7")
    flush(app)
    events = cli_json(capsys, "calls", "show", call.engine.parties.call_sid, "--database-url", sqlite_url)["events"]
    fallback = [e for e in events if e["kind"] == "fallback"]
    assert len(fallback) == 1 and fallback[0]["node"] == "main" and fallback[0]["status"] == "no_match"


def test_values_longer_than_their_columns_are_cut_and_the_call_still_stored(database_url: str, tmp_path: Path, capsys):
    """Twilio's values are short, but a webhook may carry anything: a status wider than its column
    (PostgreSQL refuses it, and the whole batch with it) is cut, and the call is stored."""
    app = store_app(database_url, tmp_path / "spool", TUESDAY_NOON)
    client = app.test_client()
    sid = "CA" + "7" * 32
    call = {"CallSid": sid, "AccountSid": "AC" + "1" * 32, "From": "+8613912345678", "To": "+861095017"}
    assert client.post("/voice/incoming", data={**call, "CallStatus": "ringing"}).status_code == 200
    ended = {**call, "CallStatus": "completed" * 12, "CallDuration": "42"}
    assert client.post("/voice/status", data=ended).status_code == 204
    flush(app)

    store = ("--database-url", database_url, "--spool-dir", str(tmp_path / "spool"))
    shown = cli_json(capsys, "calls", "show", sid, *store)
    assert shown["call"]["call_status"] == ("completed" * 12)[:32]
    assert shown["call"]["duration_s"] == 42
    assert shown["events"][0]["kind"] == "start"
