"""Record ids: the forwarder's idempotency rests on them (a record forwarded twice is stored once),
so two records must never share one, across threads, forked workers and hosts."""

from __future__ import annotations

import itertools
import os
import threading

from ivr.store import recorder


def test_ids_are_unique_across_threads_and_a_forked_child_draws_its_own_prefix():
    ids: list[list[str]] = [[] for _ in range(4)]

    def draw(into: list[str]) -> None:
        into.extend(recorder._record_id() for _ in range(5000))

    threads = [threading.Thread(target=draw, args=(out,)) for out in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    mine = [i for out in ids for i in out]
    assert len(set(mine)) == len(mine) == 20000
    assert all(len(i) == 24 and int(i, 16) >= 0 for i in mine)  # 96 bits, hex, as before

    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # the child: what a forked gunicorn worker draws
        os.close(read)
        os.write(write, " ".join(recorder._record_id() for _ in range(3)).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        theirs = pipe.read().split()
    os.waitpid(child, 0)
    assert len(theirs) == 3 and not set(theirs) & set(mine)
    assert {i[:16] for i in theirs} != {i[:16] for i in mine}  # its own random prefix, not the parent's


def test_after_2_to_the_32_records_a_new_prefix_is_drawn(monkeypatch):
    first = recorder._record_id()
    owner, prefix, _counter = recorder._IDS.current
    monkeypatch.setattr(recorder._IDS, "current", (owner, prefix, itertools.count(0xFFFFFFFF)))
    last = recorder._record_id()
    assert last == prefix + "ffffffff"
    after = recorder._record_id()
    assert after[:16] != prefix and after[16:] == "00000000" and after != first
