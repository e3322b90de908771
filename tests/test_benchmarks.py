"""The diagnostic benchmark scripts still run (their figures are read by people, not tests)."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def script_lines(script: str, *args: str) -> list[str]:
    """Run benchmarks/<script> with args; return its output's lines (it must succeed)."""
    result = subprocess.run(
        [sys.executable, f"benchmarks/{script}", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return result.stdout.splitlines()


def test_pipeline_stages_prints_each_stage_and_the_whole():
    lines = script_lines("pipeline_stages.py", "--count", "3")
    assert any(line.startswith("extract_entities") for line in lines)
    assert any(line.startswith("tsvector_literal") for line in lines)
    assert lines[-1].startswith("whole pipeline") and lines[-1].endswith("ms per article")


def test_pipeline_instructions_runs_the_workers_part_and_checks_its_count():
    # the worker's part alone (what valgrind is given); valgrind itself takes minutes
    subprocess.run(
        [sys.executable, "benchmarks/pipeline_instructions.py", "--inside", "--count", "2"],
        cwd=ROOT,
        check=True,
        timeout=120,
    )
    refused = subprocess.run(
        [sys.executable, "benchmarks/pipeline_instructions.py", "--count", "0"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 2
    assert "--count must be at least 1" in refused.stderr


def test_jieba_yardstick_prints_a_rate_per_round():
    lines = script_lines("jieba_yardstick.py", "--seconds", "0.2", "--rounds", "2")
    assert len(lines) == 2
    assert all(line.endswith("sample articles/s on one core") for line in lines)
    assert all(float(line.split(": ")[1].split()[0]) > 0 for line in lines)


def test_import_bench_prints_rate_memory_cpu_and_the_yardstick_around_it():
    # into its own scratch database (tanpan_bench_import), dropped and made again
    lines = script_lines("import_bench.py", "--count", "12", "--yardstick-seconds", "0.2")
    text = "\n".join(lines)
    assert "added                 12" in text
    assert any(line.startswith("articles/s: ") for line in lines)
    assert any(line.startswith("peak RSS: main process ") for line in lines)
    assert any(line.startswith("CPU per article") and "postgres" in line for line in lines)
    yardstick = next(line for line in lines if line.startswith("yardstick"))
    figures = re.search(r": (\d+) before, (\d+) after; .* unit: ([\d.]+)-([\d.]+) \(", yardstick)
    assert figures and all(float(figure) > 0 for figure in figures.groups()), yardstick


def test_huge_article_prints_each_size_and_its_growth():
    lines = script_lines("huge_article.py", "--sizes", "0.02", "0.04")
    assert len(lines) == 4
    assert lines[0].startswith("realistic") and lines[2].startswith("repeated sentence")
    assert " for x2.0" in lines[1] and " for x2.0" in lines[3]
