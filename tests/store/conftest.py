"""Fixtures of the store tests: a database of each kind (SQLite file, real PostgreSQL), and apps on it.

PostgreSQL: a throw-away cluster (``pg_cluster``) for the session. Without the binaries the
PostgreSQL variants are skipped, except when ``IVR_REQUIRE_POSTGRES=1`` (``scripts/test.sh`` sets
it, so CI cannot pass without having run them).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pg_cluster import Cluster, LocalCluster, binaries
from store_support import close_apps

from ivr.store.database import open_engine
from ivr.store.migrate import upgrade


@pytest.fixture(autouse=True)
def _close_store_apps() -> Iterator[None]:
    yield
    close_apps()


def upgraded(url: str) -> str:
    """The schema created, as ``ivr db upgrade`` does before a PostgreSQL service starts."""
    engine = open_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    given = os.environ.get("IVR_TEST_POSTGRES_URL")
    if given:
        yield Cluster(given)
        return
    bin_dir = binaries()
    if bin_dir is None:
        if os.environ.get("IVR_REQUIRE_POSTGRES") == "1":
            pytest.fail("IVR_REQUIRE_POSTGRES=1 but no PostgreSQL binaries in /usr/lib/postgresql/*/bin")
        pytest.skip("PostgreSQL is not installed (bash scripts/setup.sh installs it)")
    cluster = LocalCluster(bin_dir)
    try:
        yield Cluster(cluster.url)
    finally:
        cluster.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each test that takes this runs on both databases."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/ivr.db"
    return upgraded(request.getfixturevalue("pg_cluster").fresh_database())


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/ivr.db"


@pytest.fixture
def postgres_url(pg_cluster: Cluster) -> str:
    return upgraded(pg_cluster.fresh_database())
