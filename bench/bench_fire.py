"""Fire-response benchmark: one simulated year on the default city, with and without cameras.

Prints incidents per wall second and, as baselines measured in the same run, the travel-time
precomputation done with networkx instead of scipy, and a bare SimPy loop with as many events.
Single core (BLAS threads pinned to 1). Run: ``.venv/bin/python bench/bench_fire.py [--rate-scale K]``.
"""

from __future__ import annotations

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import networkx as nx  # noqa: E402
import numpy as np  # noqa: E402
import simpy  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import twin  # noqa: E402
from sim.fire import FireParams, fleet_hypercube, run_fire  # noqa: E402
from sim.travel import TravelModel  # noqa: E402


def networkx_precompute(city: twin.Twin) -> float:
    """The baseline: per-station Dijkstra with networkx, forward and on the reversed graph."""
    t0 = time.perf_counter()
    g = nx.DiGraph()
    for u, v, d in city.roads.edges(data=True):
        w = d["travel_time_s"]
        if not g.has_edge(u, v) or g[u][v]["w"] > w:
            g.add_edge(u, v, w=w)
    rev = g.reverse(copy=False)
    pos = {n: (d["x"], d["y"]) for n, d in city.roads.nodes(data=True)}
    nodes = list(pos)
    xy = np.array([pos[n] for n in nodes])
    for s in city.fire_stations:
        src = nodes[int(np.argmin(np.hypot(xy[:, 0] - s.x, xy[:, 1] - s.y)))]
        nx.single_source_dijkstra(g, src, weight="w")
        nx.single_source_dijkstra(rev, src, weight="w")
    return time.perf_counter() - t0


def bare_simpy(n_events: int) -> float:
    """The floor: a SimPy loop of ``n_events`` timeouts in processes of 9 steps, nothing else."""
    env = simpy.Environment()

    def proc(env: simpy.Environment):
        for _ in range(9):
            yield env.timeout(1.0)

    t0 = time.perf_counter()
    for _ in range(max(n_events // 9, 1)):
        env.process(proc(env))
    env.run()
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--city", default=str(Path(__file__).resolve().parents[1] / "assets" / "city"))
    ap.add_argument("--rate-scale", type=float, default=100.0,
                    help="multiply zone fire rates (default 100: all fire-service calls, thousands a year)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    t0 = time.perf_counter()
    city = twin.load(args.city)
    t_load = time.perf_counter() - t0
    print(f"city {city.name}: {len(city.buildings)} buildings, {city.roads.number_of_nodes()} road nodes, "
          f"{len(city.fire_stations)} stations, {sum(s.trucks for s in city.fire_stations)} trucks "
          f"(loaded in {t_load:.2f} s, not counted below)")
    t0 = time.perf_counter()
    TravelModel(city.roads, city.fire_stations)
    t_scipy = time.perf_counter() - t0
    t_nx = networkx_precompute(city)
    print(f"travel precompute: scipy {t_scipy * 1000:.1f} ms, networkx baseline {t_nx * 1000:.1f} ms "
          f"({t_nx / t_scipy:.1f}x)")
    rows = []
    for cams, vis in (("existing", "coverage"), ("existing", "cone"), ("all", "coverage")):
        t0 = time.perf_counter()
        st = run_fire(city, cameras=cams, days=365, seed=args.seed, rate_scale=args.rate_scale,
                      params=FireParams(visibility=vis))
        wall = time.perf_counter() - t0
        n = len(st.incidents)
        s = st.summary
        rows.append(st)
        ev = len(st.with_cameras.outcome.events) + len(st.without_cameras.outcome.events)
        t_bare = bare_simpy(ev)
        sav = s["camera_minutes_saved"]
        cs = s["camera_set"]
        print(f"one year, cameras={cams}, visibility={vis} ({cs['cameras']} cameras, {cs['incidents_seen']} "
              f"fires seen): {n} incidents, run with AND without cameras in {wall:.2f} s "
              f"(travel {s['timing_s']['travel_precompute'] * 1000:.0f} ms) -> {2 * n / wall:,.0f} incidents per "
              f"wall second ({n / wall:,.0f} paired incidents/s); target < 10 s: {'OK' if wall < 10 else 'MISSED'}")
        print(f"    {ev} SimPy events; a bare SimPy loop with as many events takes {t_bare:.2f} s "
              f"(the model costs {wall / t_bare:.1f}x the bare event loop)")
        print(f"    cameras save {sav['mean']:.3f} min a fire on average (95 % CI {sav['mean_ci95'][0]:.3f}-"
              f"{sav['mean_ci95'][1]:.3f}), {sav['incidents_helped']} fires helped, "
              f"{sav['flashovers_avoided']} flashovers avoided")
    # the analytic companion: the same fleet in seconds
    tm = TravelModel(city.roads, city.fire_stations)
    busy = float(np.mean([b - a for iv in rows[0].with_cameras.outcome.busy for a, b in iv]))
    for method in ("exact", "approx"):
        t0 = time.perf_counter()
        hc = fleet_hypercube(city, tm, mean_busy_s=busy, params=FireParams(), rate_scale=args.rate_scale,
                             method=method)
        dt = time.perf_counter() - t0
        print(f"hypercube {method}: {len(hc['truck_busy'])} trucks, {hc['atoms']} atoms in {dt * 1000:.0f} ms; "
              f"mutual aid share {hc['mutual_aid_share']:.4f}")


if __name__ == "__main__":
    main()
