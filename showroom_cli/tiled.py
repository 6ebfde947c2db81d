"""``--tiles`` of ``showroom coverage``, ``plan`` and ``fire``: the city in tiles on a Dask cluster."""

from __future__ import annotations

import argparse
import time
from typing import Any

from showroom_cli.common import out_dir


def add_tile_args(p: argparse.ArgumentParser, *, what: str = "") -> None:
    """The options of a tiled run (a group of the command's parser); ``what``: the part that is tiled, if not all."""
    g = p.add_argument_group("a city too large for one process (--tiles)")
    g.add_argument("--tiles", action="store_true",
                   help=f"cut the city into tiles (halo: the longest camera range) and compute {what or 'them'} "
                        "on Dask workers" + (" (the rest runs whole)" if what else ""))
    g.add_argument("--tile-size", type=float, default=2500.0, metavar="M",
                   help="side of a tile's core (default 2500 m)")
    g.add_argument("--scheduler", metavar="tcp://HOST:8786", help="a running Dask scheduler (default: a local cluster)")
    g.add_argument("--workers", type=int, default=None, metavar="N", help="local cluster workers (default: CPU count)")
    g.add_argument("--memory-limit", default=None, metavar="SIZE",
                   help="memory per local worker, e.g. 2GiB (its nanny restarts a worker past it; default: auto)")


def _cluster(args: argparse.Namespace) -> dict[str, Any]:
    return {"scheduler": args.scheduler, "workers": args.workers, "memory_limit": args.memory_limit}


def tiled_coverage_command(args: argparse.Namespace, city: Any, cams: list[Any]) -> int:
    """``showroom coverage --tiles``: coverage in tiles, written as an untiled run writes it (cells/ per tile)."""
    from showroom_cli.tiles_report import write_tiled_coverage
    from sim.tiled import tiled_coverage

    t0 = time.perf_counter()
    out = out_dir(args.out)
    res = tiled_coverage(
        city, cams, cells_dir=out / "cells", resolution_m=args.resolution, profile=args.profile,
        target_height_m=args.target_height, night=args.night, tile_m=args.tile_size, **_cluster(args),
    )
    write_tiled_coverage(out, city, res)
    s = res.summary
    share = ", ".join(f"{n} {100 * v:.1f}%" for n, v in s["public_share"].items())
    tb = s["tiles"]
    peak = max(tb["peak_rss_mb_per_worker"].values(), default=0.0)
    print(f"{len(cams)} cameras over {s['public_area_m2'] / 1e6:.3f} km2 of public space: {share}")
    print(f"{tb['tiles']} tiles of {tb['tile_m']:g} m (halo {tb['halo_m']:g} m) on {tb['cluster']['slots']} workers; "
          f"peak memory per worker {peak:.0f} MiB")
    print(f"wrote {args.out} in {time.perf_counter() - t0:.1f} s")
    return 0


def tiled_fire_study(args: argparse.Namespace, city: Any, **kw: Any) -> Any:
    """``showroom fire --tiles``: the fire study with its camera sighting in tiles (:func:`sim.tiled.tiled_fire`)."""
    from sim.tiled import tiled_fire

    return tiled_fire(city, tile_m=args.tile_size, **kw, **_cluster(args))


def tiled_plan_command(args: argparse.Namespace, city: Any, **kw: Any) -> int:
    """``showroom plan --tiles``: the plan in tiles (lazy greedy over tiles, ``--exact``: the MILP per district)."""
    from showroom_cli.tiles_report import write_tiled_plan
    from sim.tiled import tiled_plan

    t0 = time.perf_counter()
    s = tiled_plan(city, args.add, tile_m=args.tile_size, **kw, **_cluster(args))
    write_tiled_plan(out_dir(args.out), city, s)
    lv = s["level"]
    b, a = s["before"]["public_share"][lv], s["after"]["public_share"][lv]
    print(f"added {s['added']} cameras: public space seen at {lv} {100 * b:.1f}% -> {100 * a:.1f}%")
    d = s["districts"]
    if d is not None:
        print(f"{len(d['districts'])} districts: MILP gap {100 * d['gap_total']:.2f}% in total, "
              f"{100 * d['gap_max']:.2f}% at most (all optimal: {d['all_optimal']})")
    tb = s["tiles"]
    peak = max(tb["peak_rss_mb_per_worker"].values(), default=0.0)
    print(f"{tb['tiles']} tiles of {tb['tile_m']:g} m on {tb['cluster']['slots']} workers; "
          f"peak memory per worker {peak:.0f} MiB")
    print(f"wrote {args.out} in {time.perf_counter() - t0:.1f} s")
    return 0
