"""The app under gunicorn's ``preload_app``: loaded once in the master, forked into each worker.

Why preload: after ``kill -HUP`` gunicorn stops the old workers as soon as it has spawned the new
ones (``Arbiter.reload``), so until a new worker has loaded the app nobody takes a call; a worker
that imports and builds the app itself took 3-5 s on the shared 2-core machine, and every webhook
that came in meanwhile waited that long. A worker forked from a master that has loaded the app
answers within milliseconds. (``ivr/web/gunicorn_conf.py``; docs/running.md.)

What that asks of the app, since the master only loads and forks and never answers:

* nothing per process may start in the master: the call store's threads and files
  (``ivr.store.recorder.Recorder.start``) start in each worker after the fork (``after_fork``);
  threads do not survive a fork, and a lock one of them held would stay held in the child;
* the master's menu is the one a new worker starts with, so just before each fork the master
  catches up with the menu file (``before_fork``: ``MenuSource.refresh``), or with the last good
  copy if the file is broken, as a worker loading the app itself would.

The master is marked by its pid in ``MASTER_PID_VARIABLE``, set by the gunicorn config before the
app is loaded (the variable is inherited by the workers, whose pid differs).
"""

from __future__ import annotations

import os
from typing import Any

MASTER_PID_VARIABLE = "IVR_GUNICORN_MASTER_PID"  # ivr/web/gunicorn_conf.py sets it (it imports nothing of ivr)


def in_preloading_master() -> bool:
    """True in the gunicorn master that loads the app to fork it (``preload_app``), not in a worker."""
    return os.environ.get(MASTER_PID_VARIABLE) == str(os.getpid())


def before_fork(app: Any) -> None:
    """In the master, before it forks a worker: the menu a worker starting now would serve."""
    shared = getattr(app, "extensions", {}).get("ivr")
    if shared is not None:
        shared["menu"].refresh()


def after_fork(app: Any) -> None:
    """In a new worker: start what each process runs for itself (the call store's spool and forwarder)."""
    shared = getattr(app, "extensions", {}).get("ivr")
    if shared is not None and shared["store"] is not None:
        shared["store"].start()  # adopts what a dead worker left in the spool, without waiting for a call
