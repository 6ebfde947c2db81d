"""Fixtures shared by the sim tests that need a real Dask cluster."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    """A real 2-worker LocalCluster (one process a worker), started once per test module."""
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=logging.CRITICAL
    )
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()
