"""Import speed and memory: N synthetic articles into a fresh database.

    .venv/bin/python benchmarks/import_bench.py [--count 10000] [--workers 2]
                                                [--yardstick-seconds 2]

Prints articles/s, the peak RSS of the import process and of the whole process tree
(main process + workers), and the CPU time per article of the main process, the workers
and the database server's backends. Uses the database server the app uses (the embedded
one, or DATABASE_URL's), in a scratch database `tanpan_bench_import`.

The machine's speed swings (shared hosts): the issue's yardstick (jieba_yardstick.py)
is taken just before and just after the import, and the import's rate is also given
as a multiple of it, which moves much less from one spell to the next. The target, 150
articles/s where the yardstick reads ~90, is a multiple of 1.67.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import ROOT, CPUTimes, PeakRSS, env_for, fresh_database, mb
from benchmarks.dumpgen import write_dump


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--yardstick-seconds",
        type=float,
        default=2.0,
        help="CPU seconds of the jieba yardstick before and after the import (0: none)",
    )
    args = parser.parse_args()

    url = fresh_database("tanpan_bench_import")
    with tempfile.TemporaryDirectory() as scratch:
        dump = write_dump(Path(scratch) / "dump", args.count)
        size = sum(p.stat().st_size for p in dump.iterdir())
        print(f"dump: {args.count} files, {size / 1024 / 1024:.1f} MB")
        command = [
            sys.executable,
            "manage.py",
            "import_articles",
            str(dump),
            "--quiet",
            "--workers",
            str(args.workers),
        ]
        speed_before = yardstick(args.yardstick_seconds)
        load_before = os.getloadavg()[0]
        started = time.monotonic()
        process = subprocess.Popen(
            command, cwd=ROOT, env=env_for(url), stdout=subprocess.PIPE, text=True
        )
        with PeakRSS(process.pid) as rss, CPUTimes(process.pid, url) as cpu:
            output, _ = process.communicate()
        elapsed = time.monotonic() - started
    speed_after = yardstick(args.yardstick_seconds)
    print(output.strip())
    if process.returncode != 0:
        sys.exit(f"import failed with status {process.returncode}")
    print(
        f"articles/s: {args.count / elapsed:.0f}  ({args.count} in {elapsed:.1f} s, "
        f"{args.workers} workers, including process start-up)"
    )
    print(f"peak RSS: main process {mb(rss.peak_main)}, process tree {mb(rss.peak_total)}")
    # Where the time went: with two cores, the three must add up to little for speed.
    shares = ", ".join(
        f"{role} {seconds / args.count * 1000:.1f} ms" for role, seconds in cpu.by_role().items()
    )
    print(f"CPU per article (start-up included): {shares}")
    # The machine may be shared: other work on the two cores shows in the load average.
    print(f"load average (1 min): {load_before:.1f} before, {os.getloadavg()[0]:.1f} after")
    if speed_before and speed_after:
        rate = args.count / elapsed
        print(
            f"yardstick (jieba plain cut, sample articles/s on one core): {speed_before:.0f} "
            f"before, {speed_after:.0f} after; articles/s per yardstick unit: "
            f"{rate / speed_before:.2f}-{rate / speed_after:.2f} (the target asks for 1.67)"
        )


def yardstick(seconds: float) -> float | None:
    """Return the machine's speed by the issue's yardstick (None when seconds is 0)."""
    if seconds <= 0:
        return None
    command = [sys.executable, "benchmarks/jieba_yardstick.py", "--seconds", str(seconds)]
    result = subprocess.run(
        [*command, "--rounds", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(result.stdout.split(": ")[1].split()[0])


if __name__ == "__main__":
    main()
