"""A benchmark run in which one gunicorn worker took every connection measures one worker, not the
server (``benchmarks/harness.py``'s ``WrkResult.one_sided``); ``benchmarks/webhooks.py`` runs it again."""

from __future__ import annotations

from benchmarks.harness import MIN_WORKER_SHARE, WrkResult


def _run(*share: float) -> WrkResult:
    return WrkResult(requests=1000, seconds=1.0, errors=0, p50_ms=1, p90_ms=1, p99_ms=1, max_ms=1, worker_share=share)


def test_a_run_where_one_worker_did_almost_nothing_is_one_sided() -> None:
    assert _run(1.0, 0.0).one_sided()
    assert _run(0.9, 0.1).one_sided()


def test_a_run_both_workers_shared_is_kept() -> None:
    assert not _run(0.5, 0.5).one_sided()
    assert not _run(0.62, 0.38).one_sided()
    assert not _run(1 - MIN_WORKER_SHARE, MIN_WORKER_SHARE).one_sided()


def test_a_run_whose_workers_were_not_measured_is_kept() -> None:
    assert not _run().one_sided()
    assert not _run(1.0).one_sided()  # one worker: nothing to share
