"""`ivr paths`: every path of a menu called through the simulator, and what it reports when a path breaks.

The shipped trees must be covered completely; the broken lines are this project's real app with one
Flask hook that spoils what a caller would meet (a menu file cannot express a loop with no exit or a
misspelled attribute: the validator requires ways out and the renderer spells attributes), and each
finding must come with an input script that reproduces it in the simulator.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from flask import Flask, Response, request

from ivr.call import flow
from ivr.cli import main
from ivr.commands.paths import project_app
from ivr.coverage import GROUPS, AppFactory, Report, choose_moments, explore
from ivr.menu.loader import load_tree
from ivr.simulator import Simulator
from ivr.simulator.script import parse_script

ROOT = Path(__file__).resolve().parents[1]
MINIMAL = ROOT / "menus" / "examples" / "minimal.yaml"
WALLET = ROOT / "menus" / "wallet.yaml"
BROKEN = ROOT / "tests" / "fixtures" / "broken" / "unknown_hotline.yaml"


def walk(menu: Path, tmp_path: Path, hook: Callable[[Flask], None] | None = None, **options) -> Report:
    return explore(load_tree(menu), _app(menu, tmp_path, hook), **options)


def walk_open(menu: Path, tmp_path: Path, hook: Callable[[Flask], None]) -> Report:
    """Only the moment when every hotline is open: enough for a fault that does not depend on the hours."""
    return walk(menu, tmp_path, hook, moments=choose_moments(load_tree(menu))[:1])


def _app(menu: Path, tmp_path: Path, hook: Callable[[Flask], None] | None = None) -> AppFactory:
    base = project_app(str(menu), str(tmp_path))

    def make(moment):
        app = base(moment)
        if hook:
            hook(app)
        return app

    return make


def replay(menu: Path, tmp_path: Path, hook: Callable[[Flask], None], report: Report, kind: str):
    """Run a finding's reproduction script in a plain simulator, as the report tells a person to."""
    finding = next(f for f in report.findings if f.kind == kind)
    moment = next(m for m in report.moments if m.name == finding.moment)
    call = Simulator(_app(menu, tmp_path, hook)(moment), strict=False).call()
    for action in parse_script(finding.script):
        if call.ended:
            break
        call.engine.send(action)
    return finding, call


def assert_complete(report: Report) -> None:
    assert report.findings == [], [f.to_dict() for f in report.findings]
    assert report.missing == [], [i.to_dict() for i in report.missing]
    assert report.ok and not report.stats.bound
    for group in GROUPS:
        for lang in report.languages:
            covered, total, _na = report.tally(group, lang)
            assert covered == total, (group, lang)


# -- the shipped trees are covered completely -----------------------------------------------------


def test_the_example_tree_is_covered_completely(tmp_path):
    report = walk(MINIMAL, tmp_path)
    assert_complete(report)
    assert report.tally("nodes", "en-US") == (7, 7, 0)
    assert report.tally("dial outcomes", "zh-CN") == (10, 10, 0)  # 2 transfers x 5 DialCallStatus values
    assert report.tally("after hours", "zh-CN") == (1, 1, 1)  # alipay is open around the clock: n/a
    # The welcome reads no clock, so one call stands for both moments; every other branch is a fork.
    assert report.stats.placed == 1 and report.stats.forked == report.stats.calls - 1


def test_the_wallet_line_is_covered_completely_in_both_languages(tmp_path):
    report = walk(WALLET, tmp_path, jobs=2)
    assert_complete(report)
    tree = load_tree(WALLET)
    for lang in tree.languages:
        assert report.tally("nodes", lang) == (len(tree.nodes), len(tree.nodes), 0)
        assert report.tally("after hours", lang) == (3, 3, 2)
    na = {i.id for i in report.items if i.na}
    assert na == {"to_alipay", "to_wechatpay"}  # open around the clock


def test_moments_make_every_hotline_with_hours_open_once_and_closed_once():
    tree = load_tree(WALLET)
    opened, closed = choose_moments(tree)
    assert opened.name == "open" and opened.open == set(tree.hotlines)
    assert closed.closed == {"jdpay", "applepay", "baiduwallet"}  # alipay and wechatpay never close


def test_forking_and_replaying_find_the_same_waits_and_coverage(tmp_path):
    fork = walk(MINIMAL, tmp_path, strategy="fork", max_calls=300)
    again = walk(MINIMAL, tmp_path, strategy="replay", max_calls=300)
    assert fork.stats.bound == again.stats.bound == "--max-calls 300"
    assert (fork.stats.waiting_points, fork.stats.explored) == (again.stats.waiting_points, again.stats.explored)
    assert [i.covered for i in fork.items] == [i.covered for i in again.items]
    assert again.stats.requests > 2 * fork.stats.requests  # a replay pays for the way there every time


# -- broken lines -------------------------------------------------------------------------------


def misspelled_attribute(app: Flask) -> None:
    @app.after_request
    def spoil(response: Response) -> Response:
        body = response.get_data()
        if b"refunds/input" in body:  # the documents that present the refunds node
            response.set_data(body.replace(b"numDigits=", b"numdigits="))
        return response


def test_a_misspelled_attribute_fails_with_twilios_warning_and_a_reproduction(tmp_path):
    report = walk_open(MINIMAL, tmp_path, misspelled_attribute)
    assert not report.ok
    finding, call = replay(MINIMAL, tmp_path, misspelled_attribute, report, "twiml")
    assert "12200" in finding.message and "numdigits" in finding.message
    assert finding.script == "1 1"  # 普通话, then refunds: the shortest way there
    assert any(p["code"] == 12200 for p in call.problems)


def third_attempt_misspelled(app: Flask) -> None:
    @app.after_request
    def spoil(response: Response) -> Response:
        body = response.get_data()
        if b"refunds/input" in body and b"nm=2" in body:  # refunds after two keys it does not offer
            response.set_data(body.replace(b"numDigits=", b"numdigits="))
        return response


def test_a_fault_met_only_at_a_later_attempt_is_still_found(tmp_path):
    """Waits with attempt counters are walked with their misses only; a fault there must not hide."""
    report = walk(MINIMAL, tmp_path, third_attempt_misspelled)
    finding, call = replay(MINIMAL, tmp_path, third_attempt_misspelled, report, "twiml")
    assert "12200" in finding.message and "numdigits" in finding.message
    assert any(p["code"] == 12200 for p in call.problems)
    assert "nm=2" in call.engine.document_url or "nm=2" in str(call.state)


def asked(log: list[tuple[str, str]]) -> Callable[[Flask], None]:
    """A hook that notes every question the walk puts to the app: the URL, and the key or words (empty: silence)."""

    def hook(app: Flask) -> None:
        @app.before_request
        def note() -> None:
            log.append((request.full_path, request.form.get("Digits", "") + request.form.get("SpeechResult", "")))

    return hook


def test_a_later_attempt_with_one_counter_up_tries_only_the_misses_of_that_counter(tmp_path):
    """Counters apart: after a silence the walk tries silence again, not a wrong key, and after a wrong
    key not a silence (the app answers each from its own counter), so no wait with both counters up is
    asked at all; the coverage stays complete."""
    log: list[tuple[str, str]] = []
    report = walk(MINIMAL, tmp_path, asked(log))
    assert_complete(report)
    answers = [(url, said) for url, said in log if "/input?" in url]
    after_silence = [said for url, said in answers if "ni=1" in url and "nm=" not in url]
    after_wrong_key = [said for url, said in answers if "nm=1" in url and "ni=" not in url]
    assert after_silence and set(after_silence) == {""}  # only silence again
    assert after_wrong_key and "" not in after_wrong_key  # only keys or words
    assert not [url for url, _ in answers if "ni=" in url and "nm=" in url]


def second_silence_misspelled(app: Flask) -> None:
    @app.after_request
    def spoil(response: Response) -> Response:
        body = response.get_data()
        if b"refunds/input" in body and b"ni=2" in body:  # refunds after two silences
            response.set_data(body.replace(b"numDigits=", b"numdigits="))
        return response


def test_a_fault_behind_the_no_input_counter_is_still_found_with_what_it_does_to_wrong_keys(tmp_path):
    """The raised counter's misses are still walked: a fault met only after two silences is found,
    with its shortest reproduction. And this app reads ``ni`` beyond the core's rules (the wait after
    two silences takes keys otherwise), so wrong keys are tried there after all: that the no-match cap
    no longer reaches the fallback once two silences came first is found as before the rule."""
    report = walk(MINIMAL, tmp_path, second_silence_misspelled)
    finding, call = replay(MINIMAL, tmp_path, second_silence_misspelled, report, "twiml")
    assert "12200" in finding.message and "numdigits" in finding.message
    assert finding.script == "1 1 wait wait"  # 普通话, refunds, then silence twice
    assert any(p["code"] == 12200 for p in call.problems)
    capped = [f for f in report.findings if f.kind == "wrong-target" and f.message.startswith("no-match cap at ref")]
    assert {f.message.split("(")[1][:5] for f in capped} == {"zh-CN", "en-US"}
    assert all("should lead to goodbye_numbers" in f.message and "wait wait" in f.script for f in capped)
    assert not report.ok


def test_a_walk_shared_by_two_processes_finds_what_one_process_finds(tmp_path):
    one = walk(MINIMAL, tmp_path, misspelled_attribute)
    two = walk(MINIMAL, tmp_path, misspelled_attribute, jobs=2)
    # The same problems, each found. Which of two equivalent trail variants a process explores
    # depends on which registered it first, so the parallel walk may also report one problem at a
    # second node where the single walk saw it only once (found in 3 of 9 runs): the problems
    # are compared, each with every place the single walk found it at.
    problems = {(f.severity, f.kind, f.message) for f in one.findings}
    assert {(f.severity, f.kind, f.message) for f in two.findings} == problems
    assert {f.key for f in one.findings} <= {f.key for f in two.findings}
    assert [i.covered for i in two.items] == [i.covered for i in one.items]
    assert two.stats.explored == one.stats.explored  # each wait explored once, by one of the processes
    _finding, call = replay(MINIMAL, tmp_path, misspelled_attribute, two, "twiml")  # its reproduction works
    assert any(p["code"] == 12200 for p in call.problems)


def redirects_to_itself(app: Flask) -> None:
    @app.after_request
    def spoil(response: Response) -> Response:
        if request.path == "/voice/node/refunds/input":
            response.set_data(f"<Response><Redirect>{escape(request.full_path)}</Redirect></Response>")
        return response


def test_a_node_that_redirects_to_itself_trips_the_loop_guard(tmp_path):
    report = walk_open(MINIMAL, tmp_path, redirects_to_itself)
    finding, call = replay(MINIMAL, tmp_path, redirects_to_itself, report, "simulator guard")
    assert "without any caller input" in finding.message
    assert call.ended and "loop" in call.end_reason
    assert not report.ok


def trap(app: Flask) -> None:
    """Every answer at refunds comes back to the same wait: no key, word or silence gets out."""
    document = (
        '<Response><Gather numDigits="1" action="/voice/node/refunds/input?lang=zh-CN"><Say>再按一次。</Say>'
        "</Gather><Redirect>/voice/node/refunds/input?lang=zh-CN</Redirect></Response>"
    )

    @app.after_request
    def spoil(response: Response) -> Response:
        if request.path == "/voice/node/refunds/input":
            response.set_data(document)
        return response


def test_a_wait_with_no_way_out_is_a_loop_with_no_exit(tmp_path):
    report = walk_open(MINIMAL, tmp_path, trap)
    loops = [f for f in report.findings if f.kind == "loop"]
    assert loops and "no input leads to another node or ends the call" in loops[0].message
    assert "/voice/node/refunds/input" in loops[0].url
    assert {i.id for i in report.missing if i.group == "options"} >= {"refunds 1", "refunds 2", "refunds 3"}
    assert not report.ok


def no_hangup(app: Flask) -> None:
    @app.after_request
    def spoil(response: Response) -> Response:
        response.set_data(response.get_data().replace(b"<Hangup />", b""))
        return response


def test_falling_off_the_end_of_a_document_is_a_dead_end(tmp_path):
    report = walk_open(MINIMAL, tmp_path, no_hangup)
    finding, call = replay(MINIMAL, tmp_path, no_hangup, report, "dead-end")
    assert "no <Hangup>" in finding.message
    assert call.end_reason == "end of document"


def silent_hangup(app: Flask) -> None:
    @app.after_request
    def spoil(response: Response) -> Response:
        if request.path == "/voice/node/to_alipay/dialed":
            response.set_data("<Response><Hangup/></Response>")
        return response


def test_hanging_up_with_nothing_said_is_a_dead_end(tmp_path):
    report = walk_open(MINIMAL, tmp_path, silent_hangup)
    dead = [f for f in report.findings if f.kind == "dead-end"]
    assert dead and dead[0].message == "the call hangs up with nothing said"
    assert dead[0].script.endswith("dial:completed")


def server_error(app: Flask) -> None:
    @app.after_request
    def spoil(response: Response) -> Response:
        if request.path == "/voice/node/agents/input":
            response.status_code = 500
        return response


def test_a_non_2xx_answer_is_an_http_error_response_11217(tmp_path):
    report = walk_open(MINIMAL, tmp_path, server_error)
    finding, call = replay(MINIMAL, tmp_path, server_error, report, "http")
    assert "11217" in finding.message and "HTTP 500" in finding.message
    assert call.end_reason == "application error"


def test_an_error_the_apology_hides_from_the_caller_is_still_reported(tmp_path, monkeypatch):
    def broken(*_args):
        raise KeyError("record_thanks")

    monkeypatch.setattr(flow, "recorded", broken)
    report = walk(MINIMAL, tmp_path)
    logged = [f for f in report.findings if f.kind == "app-log" and f.severity == "error"]
    assert logged and "apologising" in logged[0].message
    assert "say " in logged[0].script and logged[0].moment == "closed"  # a message left after hours
    assert not report.ok


# -- the command --------------------------------------------------------------------------------


def test_the_command_prints_the_table_writes_json_and_exits_0(tmp_path, capsys):
    out = tmp_path / "paths.json"
    assert main(["paths", "--menu", str(MINIMAL), "--json", str(out), "--jobs", "1"]) == 0
    text = capsys.readouterr().out
    assert "nodes visited" in text and "7/7" in text and "OK: every node and option reached" in text
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["ok"] is True and data["not_covered"] == [] and data["findings"] == []
    assert data["coverage"]["options"]["en-US"] == {"covered": 8, "total": 8, "na": 0}


def test_the_command_exits_1_when_a_bound_stops_the_walk(capsys):
    assert main(["paths", "--menu", str(MINIMAL), "--max-calls", "40", "--jobs", "1"]) == 1
    text = capsys.readouterr().out
    assert "BOUND HIT: --max-calls 40" in text and "not covered" in text


def test_the_command_exits_1_on_a_menu_with_errors(capsys):
    assert main(["paths", "--menu", str(BROKEN)]) == 1
    assert "has errors; fix them first" in capsys.readouterr().err


def test_the_command_exits_2_on_a_missing_file(capsys):
    assert main(["paths", "--menu", "menus/nope.yaml"]) == 2
    assert "no such file" in capsys.readouterr().err


def test_the_command_refuses_bad_options(capsys):
    assert main(["paths", "--menu", str(MINIMAL), "--max-calls", "0"]) == 2
    assert "--max-calls must be at least 1" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main(["paths", "--menu", str(MINIMAL), "--strategy", "guess"])
    assert exit_info.value.code == 2
