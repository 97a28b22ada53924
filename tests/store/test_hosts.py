"""Several hosts, one line: two gunicorn services on one PostgreSQL, behind a round-robin balancer.

The simulator calls the public URL; the "balancer" (a transport that sends each request to the next
host in turn, as a load balancer would, signatures made for the public URL) alternates every
webhook of the call between the two services. The store has one journey, in order, and the
message once.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from pathlib import Path

from services import TOKEN, gunicorn, service_env
from store_support import MENU, cli_json

from ivr.simulator import Simulator
from ivr.simulator.transport import HttpResponse, HttpTransport, Transport

PUBLIC = "https://ivr.example.com"


class RoundRobin(HttpTransport):
    def __init__(self, backends: list[str]):
        super().__init__(auth_token=TOKEN)
        self.backends = backends
        self.sent: list[str] = []

    def _send(self, method: str, url: str, form: Mapping[str, str] | None, headers: dict[str, str]) -> HttpResponse:
        backend = self.backends[len(self.sent) % len(self.backends)]
        self.sent.append(backend)
        response = super()._send(method, backend + url.removeprefix(PUBLIC), form, headers)
        return HttpResponse(response.status, response.body, url, response.headers)


class BalancedSimulator(Simulator):
    def __init__(self, backends: list[str]):
        super().__init__(PUBLIC + "/voice/incoming", auth_token=TOKEN, status_callback="/voice/status", strict=False)
        self.balancer = RoundRobin(backends)

    def transport(self) -> Transport:
        return self.balancer


def test_a_call_alternating_between_two_hosts_is_one_journey_and_one_message(postgres_url: str, tmp_path: Path,
                                                                             capsys):  # fmt: skip
    menu = tmp_path / "wallet.yaml"  # Baidu Wallet's hours cut to one minute a week: closed whenever this runs
    text = MENU.read_text(encoding="utf-8")
    hours = '        mon-fri: ["09:00-11:30", "13:00-18:00"]\n        sat: "10:00-16:00"'
    assert hours in text
    menu.write_text(text.replace(hours, '        mon: "03:00-03:01"'), encoding="utf-8")
    host_a = service_env(postgres_url, tmp_path / "a" / "spool", PUBLIC, MENU_FILE=str(menu))
    host_b = service_env(postgres_url, tmp_path / "b" / "spool", PUBLIC, MENU_FILE=str(menu))
    with gunicorn(host_a, workers=1) as a, gunicorn(host_b, workers=1) as b:
        simulator = BalancedSimulator([a.base, b.base])
        call = simulator.call(from_="+8613912345678")
        call.press("2").press("5").press("5")  # English → agents → Baidu Wallet
        assert "closed" in call.heard
        call.press("1").leave_message("call me back please")
        assert call.ended
        sent = simulator.balancer.sent
        assert a.base in sent and b.base in sent and all(x != y for x, y in itertools.pairwise(sent))
    # Both services stopped cleanly: everything they acknowledged has been forwarded.
    sid = call.engine.parties.call_sid
    shown = cli_json(capsys, "calls", "show", sid, "--database-url", postgres_url)
    kinds = [e["kind"] for e in shown["events"]]
    assert kinds[0] == "start" and kinds[-1] == "end"
    assert shown["call"]["path"] == ["welcome", "main", "agents", "to_baiduwallet"]
    inputs = [e["value"] for e in shown["events"] if e["kind"] == "input"]
    assert inputs[:3] == ["2", "5", "5"]
    assert len({e["id"] for e in shown["events"]}) == len(shown["events"])
    messages = cli_json(capsys, "messages", "--database-url", postgres_url)
    assert shown["call"]["outcome"] == "left a message"
    assert len(messages) == 1 and messages[0]["call_sid"] == sid and messages[0]["caller"] == "+8613912345678"
    assert messages[0]["hotline"] == "baiduwallet"
