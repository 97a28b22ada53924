"""The last good menu, in one process: the copy kept on disk, a start from it, the refusal when there
is nothing good at all, ``/healthz``, and reloads that never hold up a webhook."""

from __future__ import annotations

import logging
import os
import shutil
import threading
from pathlib import Path

import pytest
from healthz import health_until

from ivr.call import checks
from ivr.web import create_app
from ivr.web import menu_source as menu_source_module
from ivr.web.menu_snapshot import Snapshots, sha256
from ivr.web.menu_source import MenuSource, NoGoodMenu

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "menus" / "examples" / "minimal.yaml"
PROMPT = "Please choose a topic."
DEADLINE = 20.0  # seconds a background load may take here before a test gives up


@pytest.fixture
def line(tmp_path: Path) -> tuple[Path, Path]:
    menu = tmp_path / "menu.yaml"
    shutil.copy(EXAMPLE, menu)
    return menu, tmp_path / "snapshots"


def app_for(menu: Path, snapshots: Path):
    return create_app({"MENU_FILE": str(menu), "MENU_SNAPSHOT_DIR": str(snapshots), "USE_AUDIO": "false"})


def edit(menu: Path, text: str) -> None:
    """Replace the file as an editor does, with a later mtime (some file systems keep coarse times)."""
    new = menu.with_suffix(".new")
    new.write_text(text, encoding="utf-8")
    st = menu.stat()
    os.utime(new, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    os.replace(new, menu)


def test_an_accepted_menu_is_kept_byte_for_byte_as_the_last_good_copy(line):
    menu, snapshots = line
    client = app_for(menu, snapshots).test_client()
    assert (snapshots / "menu.yaml").read_bytes() == menu.read_bytes()
    assert list(snapshots.iterdir()) == [snapshots / "menu.yaml"]  # no temporary file left behind
    health = client.get("/healthz").get_json()
    assert health["status"] == "ok" and health["served"]["from"] == "file"
    assert health["served"]["sha256"] == sha256(menu.read_bytes())
    assert health["snapshot"] == str(snapshots / "menu.yaml") and health["file"] == {"state": "served", "errors": []}


def test_a_worker_that_starts_with_a_broken_file_serves_the_last_good_copy_and_says_so(line, caplog):
    menu, snapshots = line
    good = menu.read_bytes()
    app_for(menu, snapshots)  # an earlier worker accepted it
    menu.write_text(good.decode() + 'broken: "x\n', encoding="utf-8")
    with caplog.at_level(logging.ERROR, logger="ivr.menu"):
        client = app_for(menu, snapshots).test_client()
    assert f"MENU FILE NOT SERVED: {menu} cannot be served; serving the last good copy {snapshots / 'menu.yaml'}" in (
        caplog.text
    )
    assert PROMPT in client.post("/voice/node/main?lang=en-US").get_data(as_text=True)
    health = client.get("/healthz").get_json()
    assert health["status"] == "degraded" and health["served"]["from"] == "snapshot"
    assert health["served"]["sha256"] == sha256(good) and health["file"]["state"] == "rejected"
    [error] = health["file"]["errors"]
    assert error.startswith(f"{menu}:") and "the file is not valid YAML" in error
    assert "could not be served when this worker started" in health["reason"]
    # and once the file is fixed, the file is served again
    edit(menu, good.decode().replace(PROMPT, "Please pick a topic."))
    health = health_until(client, lambda h: h["served"]["from"] == "file", "the fixed file served")
    assert health["status"] == "ok"
    assert "Please pick a topic." in client.post("/voice/node/main?lang=en-US").get_data(as_text=True)
    assert "Please pick a topic." in (snapshots / "menu.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize("damage", ["broken", "missing", "fifo"])
def test_with_no_good_menu_at_all_the_worker_refuses_to_start_with_the_files_errors(line, damage):
    menu, snapshots = line
    if damage == "broken":
        menu.write_text(menu.read_text(encoding="utf-8").replace("goto: refunds", "goto: refundz"), encoding="utf-8")
        words = "targets 'refundz', which is not a node"
    elif damage == "missing":
        menu.unlink()
        words = "no such file"
    else:
        menu.unlink()
        os.mkfifo(menu)
        words = "is a FIFO (named pipe), not a regular file"
    with pytest.raises(NoGoodMenu) as refused:
        app_for(menu, snapshots)
    message = str(refused.value)
    assert message.startswith(f"{menu} cannot be served and there is no last good copy in {snapshots}/")
    assert f"\n{menu}:" in message and words in message


def test_a_last_good_copy_that_is_broken_too_is_no_way_out(line):
    menu, snapshots = line
    snapshots.mkdir()
    (snapshots / "menu.yaml").write_text("nodes: [\n", encoding="utf-8")
    menu.write_text("languages: [\n", encoding="utf-8")
    with pytest.raises(NoGoodMenu, match="no last good copy"):
        app_for(menu, snapshots)


def test_a_copy_that_cannot_be_written_is_a_warning_and_the_line_is_served(line, caplog):
    menu, snapshots = line
    snapshots.write_text("a file where the folder should be", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="ivr.menu"):
        client = app_for(menu, snapshots).test_client()
    assert "could not keep a last good copy" in caplog.text
    assert client.get("/healthz").get_json()["status"] == "ok"


def test_a_reload_runs_in_the_background_and_no_webhook_waits_for_it(line, monkeypatch):
    menu, snapshots = line
    client = app_for(menu, snapshots).test_client()
    release, entered = threading.Event(), threading.Event()
    real = menu_source_module.check_menu_bytes

    def slow_check(data: bytes, file: str):  # a load that takes as long as the test wants
        entered.set()
        assert release.wait(DEADLINE)
        return real(data, file)

    monkeypatch.setattr(menu_source_module, "check_menu_bytes", slow_check)
    edit(menu, menu.read_text(encoding="utf-8").replace(PROMPT, "Please pick a topic."))
    answers = []
    for _ in range(5):  # while the load is held up, every webhook is answered with the menu it had
        answers.append(client.post("/voice/node/main?lang=en-US").get_data(as_text=True))
        assert entered.wait(DEADLINE)
    assert all(PROMPT in a for a in answers)
    assert client.get("/healthz").get_json()["file"]["state"] == "loading"
    release.set()
    health_until(client, lambda h: h["file"]["state"] == "served" and h["version"] == 2, "the edit loaded")
    assert "Please pick a topic." in client.post("/voice/node/main?lang=en-US").get_data(as_text=True)


def test_a_load_over_its_time_budget_is_a_rejected_edit(line):
    menu, _snapshots = line
    moments = iter([0.0, 0.5, 0.0, 61.0])  # two loads' start and end, as the budget's clock sees them
    source = MenuSource(menu, budget=60.0, clock=lambda: next(moments))
    served, _data, errors = source._load(menu, "file")
    assert served is None and [str(e) for e in errors] == [
        f"{menu}:1: error: loading the menu took 61.0 s, over its time budget of 60 s"
    ]


def test_any_exception_in_a_load_is_a_rejected_edit_not_a_500(line, monkeypatch, caplog):
    menu, snapshots = line
    client = app_for(menu, snapshots).test_client()

    def explode(tree):
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(checks, "spoken_problems", explode)
    edit(menu, menu.read_text(encoding="utf-8").replace(PROMPT, "Please pick a topic."))
    with caplog.at_level(logging.ERROR, logger="ivr.menu"):
        health = health_until(client, lambda h: h["file"]["state"] == "rejected", "the edit rejected")
    assert "the file could not be checked (RecursionError" in health["file"]["errors"][0]
    response = client.post("/voice/node/main?lang=en-US")
    assert response.status_code == 200 and PROMPT in response.get_data(as_text=True)
    assert "menu edit rejected, still serving the last good menu" in caplog.text


def test_snapshots_are_one_file_per_menu_name(tmp_path):
    store = Snapshots(tmp_path / "var" / "menus")
    store.save(Path("menus/wallet.yaml"), b"a: 1\n", sha256(b"a: 1\n"))
    store.save(Path("menus/wallet.yaml"), b"a: 2\n", sha256(b"a: 2\n"))
    assert store.read(Path("elsewhere/wallet.yaml")) == b"a: 2\n"
    assert store.read(Path("menus/other.yaml")) is None


def test_the_preloading_master_forks_workers_with_the_latest_good_menu_or_the_last_good_copy(line, monkeypatch):
    """Under preload_app a worker starts with the master's menu, so before each fork the master
    catches up (``MenuSource.refresh``): with a newer good edit a worker accepted meanwhile, and
    after a broken edit with the last good copy, exactly what a worker loading the app would serve."""
    menu, snapshots = line
    master = MenuSource(menu, Snapshots(snapshots))  # loaded once, answers nothing
    first = master.current()
    master.refresh()
    assert master.current() is first  # unchanged file: nothing read again

    edit(menu, menu.read_text(encoding="utf-8").replace(PROMPT, "Please pick a topic."))
    worker = MenuSource(menu, Snapshots(snapshots))  # a worker accepts the edit and keeps it on disk
    master.refresh()
    newer = master.current()
    assert newer is not first and newer.nodes["main"] == worker.current().nodes["main"]
    assert master.health()["served"]["from"] == "file" and master.version == 2

    loads = []
    real_load = master._load
    monkeypatch.setattr(master, "_load", lambda path, origin: loads.append(origin) or real_load(path, origin))
    edit(menu, menu.read_text(encoding="utf-8") + 'broken: "x\n')
    master.refresh()
    health = master.health()
    assert health["status"] == "degraded" and health["served"]["from"] == "snapshot"
    assert health["served"]["sha256"] == sha256((snapshots / "menu.yaml").read_bytes())
    assert "not valid YAML" in health["file"]["errors"][0]
    assert master.current() is newer and loads == ["file"]  # the copy is the tree it had: not parsed again


def test_while_webhooks_come_a_watcher_looks_at_the_file_and_after_a_quiet_spell_the_next_webhook_does(
    line, monkeypatch
):
    """A ``stat`` per webhook released the GIL in every request (``benchmarks/gil_handoffs.py``):
    under traffic the watcher looks instead, yet an edit is still noticed without a webhook's help,
    and the first webhook after ``IDLE_S`` of quiet looks itself, at once."""
    menu, snapshots = line
    now = [0.0]
    source = MenuSource(menu, Snapshots(snapshots), look_clock=lambda: now[0])
    looks: list[str] = []
    real_stat = source._stat
    monkeypatch.setattr(source, "_stat", lambda: looks.append(threading.current_thread().name) or real_stat())

    def requests_looked() -> int:
        return sum(name != "ivr-menu-watch" for name in looks)

    first = source.current()  # the first webhook looks and starts the watcher
    assert requests_looked() == 1
    edit(menu, menu.read_text(encoding="utf-8").replace(PROMPT, "Please pick a topic."))
    deadline = threading.Event()
    timer = threading.Timer(DEADLINE, deadline.set)
    timer.start()
    try:
        while source.current() is first and not deadline.is_set():  # webhooks keep coming, all at one moment
            pass
        assert not deadline.is_set(), "the edit was not noticed"
        assert requests_looked() == 1, "a webhook looked at the file while the watcher was looking"
        assert "ivr-menu-watch" in looks

        now[0] += menu_source_module.IDLE_S + 1  # a quiet spell: the watcher ends
        while source._watcher is not None and not deadline.is_set():
            threading.Event().wait(0.005)
        assert source._watcher is None, "the watcher did not end after a quiet spell"
        edit(menu, menu.read_text(encoding="utf-8").replace("Please pick a topic.", PROMPT))
        version = source.version
        source.current()  # the next webhook looks at once, and starts the load
        assert requests_looked() == 2
        while source.version == version and not deadline.is_set():
            threading.Event().wait(0.005)
        assert PROMPT in str(source.current().nodes["main"])
    finally:
        timer.cancel()
        now[0] += menu_source_module.IDLE_S + 1
