"""Small models for the sweep engine's tests, importable by Dask worker processes."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from sim.sweep import Metric, ModelAdapter, Param, register_model
from twin import TwinError

#: prepare() calls made in this process (prepare runs in the client, never on a worker)
PREPARED: list[dict[str, Any]] = []


def _prepare(twin: Any, params: dict[str, Any]) -> dict[str, Any]:
    PREPARED.append(dict(params))
    return {"offset": params["offset"], "payload": np.ones(params["payload_n"]), "touched": []}


def _normal_run(shared: dict[str, Any], params: dict[str, Any], seed: int) -> dict[str, Any]:
    if params["sleep_s"]:
        time.sleep(params["sleep_s"])
    if params["crash_dir"] and params["x"] == params["crash_x"]:
        # the first task of this cell to run kills its worker process, once
        try:
            fd = os.open(Path(params["crash_dir"]) / "crashed", os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            pass
        else:
            os.write(fd, str(os.getpid()).encode())
            os.close(fd)
            os._exit(17)
    if params["fail_dir"] and params["x"] == params["crash_x"]:
        # this cell's first attempt raises (a model error, not a dead worker), later ones succeed
        try:
            os.close(os.open(Path(params["fail_dir"]) / "failed", os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            pass
        else:
            raise TwinError(f"x={params['x']} is too hot")
    v = np.random.default_rng(seed).normal(params["x"] + shared["offset"], 1.0, 64)
    return {"mean": float(v.mean()), "above": bool(v.mean() > params["x"] + shared["offset"])}


def _probe_run(shared: dict[str, Any], params: dict[str, Any], seed: int) -> dict[str, Any]:
    if params["sleep_s"]:
        time.sleep(params["sleep_s"])
    # the same object reused by every task of a worker counts 1, 2, 3...; a copy per task always 1
    shared["touched"].append(seed)
    return {"uses": len(shared["touched"]), "pid": os.getpid(), "payload_sum": float(shared["payload"].sum())}


_PARAMS = (
    Param("x", "float", 0.0, low=-1e6, high=1e6),
    Param("offset", "float", 0.0, stage="prepare"),
    Param("payload_n", "int", 10, low=1, stage="prepare"),
    Param("sleep_s", "float", 0.0, low=0),
    Param("crash_dir", "str", ""),
    Param("crash_x", "float", -1.0),
    Param("fail_dir", "str", ""),
)

NORMAL = register_model(
    ModelAdapter(
        name="test-normal",
        doc="mean of 64 draws of N(x + offset, 1)",
        params=_PARAMS,
        metrics=(Metric("mean"), Metric("above", kind="proportion")),
        main_metric="mean",
        prepare=_prepare,
        run=_normal_run,
    ),
    replace=True,
)
PROBE = register_model(
    ModelAdapter(
        name="test-probe",
        doc="reports how often its shared object was used in its process",
        params=_PARAMS,
        metrics=(Metric("uses"), Metric("pid"), Metric("payload_sum")),
        main_metric="uses",
        prepare=_prepare,
        run=_probe_run,
    ),
    replace=True,
)
