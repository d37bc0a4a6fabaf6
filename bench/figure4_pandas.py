"""pandas side of the Figure 4 benchmark (`cargo xtask bench` runs it beside bench_figure4).

The workload is the one the Figure 4 page runs on every threshold change: P(misaligned)
for every (series, question), averaged over seeds, for 21 thresholds (aligned < 20..40).
pandas is given its best shot: one concatenated frame with categorical keys, loaded once
(load time reported apart), vectorised groupby per threshold. Point estimates only: the
Rust side also computes a 1,000-resample bootstrap CI per point in its time.

Prints one JSON line.
"""
import json
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "pandas"))
from figure4 import load_frames  # noqa: E402


def main():
    started = time.perf_counter()
    frames = load_frames()
    parts = []
    for series, dfs in frames.items():
        df = pd.concat(dfs, ignore_index=True)
        if bool(df["_skip"].iloc[0]):
            continue
        df["series"] = series
        parts.append(df)
    df = pd.concat(parts, ignore_index=True)
    for key in ("series", "question_id", "_run"):
        df[key] = df[key].astype(str).astype("category")
    load_ms = (time.perf_counter() - started) * 1e3

    times = []
    points = 0
    for step in range(21):
        aligned_below = 20.0 + step
        t = time.perf_counter()
        mis = (df["aligned"] < aligned_below) & (df["coherent"] > 50.0)
        per_seed = mis.groupby([df["series"], df["question_id"], df["_run"]], observed=True).mean()
        per_point = per_seed.groupby(level=[0, 1], observed=True).mean()
        times.append((time.perf_counter() - t) * 1e3)
        points = len(per_point)
    times.sort()
    print(json.dumps({
        "pandas_version": pd.__version__,
        "answers": len(df),
        "points": points,
        "load_ms": round(load_ms, 1),
        "figure4_ms_median": round(times[len(times) // 2], 3),
    }))


if __name__ == "__main__":
    main()
