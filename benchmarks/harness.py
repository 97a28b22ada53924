"""What the benchmarks share: a gunicorn server on a free loopback port, a signed Twilio-shaped
request mix, wrk driven by a generated Lua script, and a description of the machine.

Everything here talks to 127.0.0.1 only, and every process it starts is stopped by the context
manager that started it, so an interrupted benchmark leaves nothing running. The tests that need
a real server start it here too (``serving``), so there is one launcher to keep bounded.

Why wrk with precomputed signatures: a Python load generator would spend more CPU per request
than the service under test on a 2-core machine, and the service must see real
``X-Twilio-Signature`` headers (with a token set it refuses anything else), so every
URL + body pair is signed once here, with the helper library's own
``RequestValidator.compute_signature``, and written into the Lua file.
"""

from __future__ import annotations

import json
import os
import platform
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

from twilio.request_validator import RequestValidator

from ivr.call.checks import load_menu as load_tree
from ivr.menu.model import InfoNode, LanguageNode, MenuNode, TransferNode
from ivr.simulator.call_params import CallParties, SidFactory

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
MENU = ROOT / "menus" / "wallet.yaml"
TOKEN = "benchmark-auth-token-0123456789abcdef"
PUBLIC_BASE_URL = "https://ivr.example.com"  # what Twilio would call; both apps sign-check against it
WORKERS = 2  # one sync worker per core on the 2-core reference machine
WORKER_CLASS = "sync"  # gunicorn's default: one request at a time per worker process
THREADS = 4  # per worker, when WORKER_CLASS is "gthread" (benchmarks/webhooks.py --worker-class)
MIN_WORKER_SHARE = 0.2  # a run in which one worker did less of the CPU work is one-sided (WrkResult)


def service_settings(menu: Path = MENU, audio_dir: Path = ROOT / "audio") -> dict[str, str]:
    """The real service's settings in every benchmark: a token (signatures checked) and a public URL
    (what the precomputed signatures were made for), as in production."""
    return {
        "MENU_FILE": str(menu),
        "AUDIO_DIR": str(audio_dir),
        "TWILIO_AUTH_TOKEN": TOKEN,
        "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        "SIP_TRUNK_HOST": "trunk.invalid",  # the wallet hotlines go by sip: transfers render <Dial><Sip>
    }


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """A server process on 127.0.0.1 (a gunicorn master, ``ivr serve``): its port and the log it writes."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def worker_pids(self) -> list[int]:
        """The master's children (the workers), from /proc."""
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return sorted(int(p) for p in path.read_text().split())
        except OSError:
            return []

    def stop(self, sig: signal.Signals = signal.SIGTERM, grace: float = 15.0) -> None:
        """``sig`` (gunicorn's graceful stop; SIGINT is Ctrl-C for ``ivr serve``), SIGKILL if it is still
        running ``grace`` s later. Nothing happens to a process that has already exited."""
        if self.process.poll() is not None:
            return
        self.process.send_signal(sig)
        try:
            self.process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)


@contextmanager
def serving(
    command: list[str],
    env: dict[str, str],
    *,
    port: int,
    log: Path,
    workers: int | None = None,
    timeout: float = 30.0,
    stop_signal: signal.Signals = signal.SIGTERM,
) -> Iterator[Server]:
    """Run ``command`` (a server on 127.0.0.1:``port``, its output into ``log``) until the block ends.

    The block starts once ``/healthz`` answers 200 (and the master has ``workers`` children, when
    given), within ``timeout`` s; a server that exits or does not come up raises with its log's
    end. However the block ends, the server gets ``stop_signal`` and then SIGKILL, so nothing
    it started outlives it. The one launcher of the benchmarks and of the tests that need a real server.
    """
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    server = Server(process, port, log)
    try:
        _wait_until_healthy(server, workers, timeout)
        yield server
    finally:
        server.stop(stop_signal)


def _wait_until_healthy(server: Server, workers: int | None, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.process.args[0]} exited with {server.process.returncode}:\n{_tail(server)}")
        try:
            with urllib.request.urlopen(server.base + "/healthz", timeout=2) as response:
                if response.status == 200 and (workers is None or len(server.worker_pids()) == workers):
                    return
        except OSError:
            pass
        time.sleep(0.1)  # polling a starting process, not waiting for an outcome
    raise RuntimeError(f"{server.process.args[0]} did not become healthy in {timeout:.0f} s:\n{_tail(server)}")


def _tail(server: Server, chars: int = 4000) -> str:
    return server.log.read_text(encoding="utf-8", errors="replace")[-chars:]


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time the processes have used so far (/proc/<pid>/stat, clock ticks)."""
    return sum(cpu_by_process(pids).values())


def cpu_by_process(pids: list[int]) -> dict[int, float]:
    """Each process's user + system CPU time so far, in seconds (a process that is gone counts 0)."""
    ticks = os.sysconf("SC_CLK_TCK")
    used: dict[int, float] = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            used[pid] = 0.0
            continue
        used[pid] = (int(fields[11]) + int(fields[12])) / ticks  # utime, stime (fields 14 and 15 of stat)
    return used


def rss_kib(pid: int) -> int | None:
    """A process's resident set size in KiB (VmRSS in /proc/<pid>/status), or None if it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


@contextmanager
def gunicorn(app: str, env: dict[str, str], *, pythonpath: Path | None = None) -> Iterator[Server]:
    """Serve the WSGI ``app`` ("module:factory()") with the benchmark's gunicorn settings until the block ends."""
    port = free_port()
    log = Path(tempfile.mkstemp(prefix="ivr-bench-gunicorn-", suffix=".log")[1])
    command = [
        str(VENV_BIN / "gunicorn"),
        "--workers", str(WORKERS),
        "--worker-class", WORKER_CLASS, "--threads", str(THREADS if WORKER_CLASS == "gthread" else 1),
        "--bind", f"127.0.0.1:{port}",
        "--backlog", "2048",
        "--log-level", "warning",
        "--chdir", str(ROOT),
    ]  # fmt: skip
    if pythonpath:
        command += ["--pythonpath", str(pythonpath)]
    command.append(app)
    try:
        with serving(command, {**os.environ, **env}, port=port, log=log, workers=WORKERS) as server:
            yield server
    except BaseException:
        print(f"gunicorn's log is kept in {log}", file=sys.stderr)
        raise
    log.unlink(missing_ok=True)


@contextmanager
def checkout(ref: str, prefix: str = "ivr-bench-before-") -> Iterator[Path]:
    """A temporary detached worktree of ``ref`` (removed after), to measure the code before a change."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(folder), ref], check=True,
                   capture_output=True)  # fmt: skip
    try:
        yield folder
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(folder)], capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


# --- the request mix ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Webhook:
    """One signed POST as Twilio would send it."""

    kind: str
    path: str  # with the query string, exactly as sent (and signed)
    body: str  # application/x-www-form-urlencoded
    signature: str


class _Call:
    """One simulated call's webhooks: its caller, language and way back so far."""

    def __init__(self, caller: CallParties, lang: str, validator: RequestValidator, out: list[Webhook]):
        self.caller, self.lang, self.validator, self.out = caller, lang, validator, out
        self.trail: list[str] = []
        self.first = True

    def state(self, **more: str) -> dict[str, str]:
        trail = {"trail": ".".join(self.trail)} if self.trail else {}
        return {"lang": self.lang, **trail, **more}

    def add(self, kind: str, path: str, query: dict[str, str], extra: dict[str, str] | None = None) -> None:
        params = {**self.caller.params("ringing" if self.first else "in-progress"), **(extra or {})}
        self.first = False
        full = path + ("?" + urlencode(query, quote_via=quote, safe=".") if query else "")
        signature = self.validator.compute_signature(PUBLIC_BASE_URL + full, params)
        self.out.append(Webhook(kind, full, urlencode(params), signature))


def webhook_mix(menu: Path = MENU, calls: int = 60, seed: int = 7, token: str = TOKEN) -> list[Webhook]:
    """A realistic day's mix of webhooks for ``menu``, call by call.

    Each call: the incoming webhook, the language choice (mostly a key, sometimes silence), a few
    menu key presses or utterances, an info node, silence or a wrong key now and then, then a
    transfer with its dial outcome, and the status callback at its end. About one request in
    twelve is bad input a caller or a scanner could send (garbage digits, unknown nodes or
    languages, broken counters and trails).
    Every call has its own CallSid, as on a real line.
    """
    tree = load_tree(menu)
    rng = random.Random(seed)
    sids = SidFactory(seed)
    validator = RequestValidator(token)
    account = sids.make("AC")
    infos = [n for n in tree.nodes.values() if isinstance(n, InfoNode)]
    transfers = [n for n in tree.nodes.values() if isinstance(n, TransferNode)]
    language = next(n for n in tree.nodes.values() if isinstance(n, LanguageNode))
    mix: list[Webhook] = []

    for _ in range(calls):
        caller = CallParties(f"+86138{rng.randrange(10**8):08d}", "+861095017", sids.make("CA"), account)
        call = _Call(caller, rng.choice(tree.language_codes), validator, mix)
        call.add("incoming", "/voice/incoming", {})
        if rng.random() < 0.8:
            key = next(o.key for o in language.options if o.language == call.lang)
            call.add("key press", f"/voice/node/{language.id}/input", {"lang": tree.default_language}, {"Digits": key})
        else:
            call.lang = tree.default_language
            call.add("silence", f"/voice/node/{language.id}/input", {"lang": call.lang})
        node = tree.nodes[tree.main_menu]
        for _step in range(rng.randint(1, 3)):
            assert isinstance(node, MenuNode)
            onward = [o for o in node.options if o.action == "goto"]
            if not onward:  # a menu whose every option acts at once (a transfer, a message)
                break
            choice = rng.choice(onward)
            words = choice.keywords[call.lang] if choice.keywords else ()
            if rng.random() < 0.25 and words:
                said = {"SpeechResult": rng.choice(words), "Confidence": f"{rng.uniform(0.5, 0.95):.2f}"}
                call.add("speech", f"/voice/node/{node.id}/input", call.state(), said)
            else:
                call.add("key press", f"/voice/node/{node.id}/input", call.state(), {"Digits": choice.key})
            call.trail.append(node.id)
            node = tree.nodes[choice.target or tree.main_menu]
            if not isinstance(node, MenuNode):
                break
        if isinstance(node, MenuNode):
            roll = rng.random()
            if roll < 0.3:
                call.add("silence", f"/voice/node/{node.id}/input", call.state(ni="1"))
            elif roll < 0.5:
                unused = next(k for k in "9876543210" if k not in {o.key for o in node.options})
                call.add("key press", f"/voice/node/{node.id}/input", call.state(), {"Digits": unused})  # not a choice
        info = rng.choice(infos)
        call.add("info node", f"/voice/node/{info.id}", call.state())
        if rng.random() < 0.5:
            call.add("key press", f"/voice/node/{info.id}/input", call.state(), {"Digits": tree.defaults.keys.repeat})
        transfer = rng.choice(transfers)
        call.add("transfer", f"/voice/node/{transfer.id}", call.state())
        outcome = rng.choices(["completed", "busy", "no-answer", "failed"], weights=[6, 2, 2, 1])[0]
        call.add("dial outcome", f"/voice/node/{transfer.id}/dialed", call.state(), {"DialCallStatus": outcome})
        if outcome != "completed" and rng.random() < 0.5:
            call.add("key press", f"/voice/node/{transfer.id}/input", call.state(mode="failed"), {"Digits": "2"})
        if rng.random() < 0.6:
            path, query, extra = rng.choice(_BAD_INPUT)
            call.add("bad input", path.format(menu=tree.main_menu), query, extra)
        # the number's status callback, once the call is over (answered 204, no TwiML)
        ended = {"CallStatus": "completed", "CallDuration": str(rng.randint(20, 400))}
        call.add(STATUS_CALLBACK, "/voice/status", {}, ended)
    return mix


STATUS_CALLBACK = "status callback"


_BAD_INPUT: list[tuple[str, dict[str, str], dict[str, str]]] = [
    ("/voice/node/{menu}/input", {"lang": "zh-CN"}, {"Digits": "12abc"}),
    ("/voice/node/{menu}/input", {"lang": "xx-XX"}, {"Digits": "1"}),
    ("/voice/node/{menu}/input", {"lang": "en-US", "ni": "-3", "nm": "zz"}, {"Digits": "#"}),
    ("/voice/node/nonexistent/input", {"lang": "en-US"}, {"Digits": "1"}),
    ("/voice/node/{menu}/input", {"lang": "zh-CN", "trail": "a..b.c", "mode": "bogus"}, {"Digits": "*"}),
    ("/voice/node/{menu}/input", {"lang": "en-US"}, {"SpeechResult": "uh", "Confidence": "NaN"}),
    ("/voice/node/{menu}", {}, {}),
]


# --- wrk ---------------------------------------------------------------------------------------

_LUA = """\
-- Generated by benchmarks/harness.py: signed Twilio-shaped webhooks, cycled in order from a
-- random offset per thread. The done() hook prints one JSON line for the benchmark to read.
local data = {
%s
}
local prepared = {}
local counter = 0

function init(args)
  for i, r in ipairs(data) do
    prepared[i] = wrk.format("POST", r[1], {
      ["Content-Type"] = "application/x-www-form-urlencoded",
      ["X-Twilio-Signature"] = r[3],
      ["User-Agent"] = "TwilioProxy/1.1",
    }, r[2])
  end
  counter = math.random(#prepared)
end

function request()
  counter = counter %% #prepared + 1
  return prepared[counter]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %%d, "duration_us": %%d, "connect": %%d, "read": %%d, "write": %%d, ' ..
    '"status": %%d, "timeout": %%d, "p50_us": %%d, "p90_us": %%d, "p99_us": %%d, "max_us": %%d}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
"""


def _lua_string(value: str) -> str:
    if not value.isascii() or any(c in value for c in '"\\\n\r'):
        raise ValueError(f"not a plain Lua string: {value!r}")
    return f'"{value}"'


def write_lua(mix: list[Webhook], path: Path) -> Path:
    """The wrk script that sends ``mix`` over and over."""
    rows = ",\n".join(f"  {{{_lua_string(w.path)}, {_lua_string(w.body)}, {_lua_string(w.signature)}}}" for w in mix)
    path.write_text(_LUA % rows, encoding="ascii")
    return path


@dataclass(frozen=True)
class WrkResult:
    requests: int
    seconds: float
    errors: int  # connect/read/write/timeout errors and non-2xx/3xx statuses
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    worker_cpu_us: float = 0.0  # the server's workers' CPU time per request, when measured
    worker_share: tuple[float, ...] = ()  # each worker's part of that CPU time (sums to 1), when measured

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def one_sided(self, least: float = MIN_WORKER_SHARE) -> bool:
        """Whether one worker did less than ``least`` of the work: gthread workers each accept on
        the shared socket, and now and then one of them takes all of wrk's keep-alive connections
        (seen on 3 Dec: per-worker CPU 3.17 s and 0.0 s, 1,400 req/s instead of 4,200, the floor
        and ours alike). Such a run measures one worker, not the server; it is run again."""
        return len(self.worker_share) > 1 and min(self.worker_share) < least


def run_wrk(
    url: str, lua: Path, *, seconds: float, connections: int, threads: int = 1, server: Server | None = None
) -> WrkResult:
    """Run wrk against ``url`` with the generated script and read its JSON line (and the CPU
    ``server``'s workers spent meanwhile: steadier than req/s when wrk shares the cores)."""
    pids = server.worker_pids() if server else []
    cpu_before = cpu_by_process(pids)
    command = [
        "wrk", "--threads", str(threads), "--connections", str(connections),
        "--duration", f"{max(1, round(seconds))}s", "--timeout", "10s", "--script", str(lua), url,
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=True)
    spent = [used - cpu_before[pid] for pid, used in cpu_by_process(pids).items()]
    cpu = sum(spent)
    line = next((x for x in done.stdout.splitlines() if x.startswith("WRK_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no summary:\n{done.stdout}\n{done.stderr}")
    data = json.loads(line.removeprefix("WRK_JSON "))
    errors = sum(data[k] for k in ("connect", "read", "write", "status", "timeout"))
    return WrkResult(
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        errors=errors,
        p50_ms=data["p50_us"] / 1000,
        p90_ms=data["p90_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        max_ms=data["max_us"] / 1000,
        worker_cpu_us=cpu / data["requests"] * 1e6 if data["requests"] else 0.0,
        worker_share=tuple(round(x / cpu, 3) for x in spent) if cpu > 0 else (),
    )


# --- the machine -------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    """CPU model, cores, RAM and Python: what a reader needs to compare figures."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "?"
    try:
        kib = int(Path("/proc/meminfo").read_text().split("MemTotal:")[1].split()[0])
        ram = f"{kib / 1024 / 1024:.1f} GiB"
    except (OSError, IndexError, ValueError):
        pass
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "ram": ram,
        "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}",
    }
