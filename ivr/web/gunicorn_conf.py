"""gunicorn settings for the line: ``gunicorn -c ivr/web/gunicorn_conf.py -w 2 ... 'ivr.web:create_app()'``.

``preload_app``: the master loads the app once and forks the workers from it, so a worker started
by ``kill -HUP``, a killed worker's replacement or ``--max-requests`` answers within milliseconds
instead of after the 3-5 s its own imports and menu load took; with gunicorn's HUP the old workers
are stopped as soon as the new ones are spawned, so that boot time was a wait for every webhook
that came in meanwhile ("Load application code before the worker processes are forked",
https://docs.gunicorn.org/en/stable/settings.html#preload-app). What the app does for it is in
``ivr.web.preload``.

The price: ``kill -HUP`` then reloads this configuration and the menu, not the Python code
("If the application is not preloaded ... Gunicorn will also load the new version of it",
https://docs.gunicorn.org/en/stable/signals.html; benoitc/gunicorn#2449). Deploy new code with a
restart, or ``USR2`` then ``TERM`` to the old master (the same signals page).

``worker_class = "gthread"`` with ``threads = 4``: a webhook with the call store on waits for the
device to flush its events (``SPOOL_SYNC``: over a millisecond under load, longer than the
request's own CPU), and a sync worker can do nothing else meanwhile. Threads let a worker answer
another webhook while one waits, and the webhooks of one worker waiting at once share one flush
(``ivr.store.spool``'s group commit). Measured with ``benchmarks/webhooks.py --worker-class
gthread`` against the same run's floor, SQLite store on: 774 req/s against 358 with sync workers
(the two runs at load averages of 3-7 and 2-7; the README's "Speed"). The app is thread-safe: the
development server runs it threaded too.

Loaded by path, this file imports nothing of ``ivr`` itself: the hooks run after the app is loaded
and import ``ivr.web.preload`` from it.
"""

import os

preload_app = True
worker_class = "gthread"
threads = 4

# ivr.web.preload.MASTER_PID_VARIABLE: marks this process as the master that loads the app to fork it.
os.environ["IVR_GUNICORN_MASTER_PID"] = str(os.getpid())


def pre_fork(server, worker):
    """In the master, before each fork: the menu a worker starting now would serve."""
    if server.cfg.preload_app:
        from ivr.web import preload

        preload.before_fork(server.app.wsgi())


def post_fork(server, worker):
    """In the new worker: start what each process runs for itself."""
    if server.cfg.preload_app:
        from ivr.web import preload

        preload.after_fork(worker.app.wsgi())
