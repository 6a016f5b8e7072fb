"""The memory of one `casebook build`: the peak of its whole process tree, and when.

    python bench/build_memory.py PROJECT [--casebook PATH] [--today DATE] [--profile NAME]

Runs `casebook build --quiet` once in PROJECT (a folder made by `bench/corpus.py`,
with mkdocs.yml and templates/; build a copy: the build writes into it) and samples
the resident memory (VmRSS) of the command and of every process below it every
50 ms from /proc. It prints, in Markdown:

- the tree's peak: the largest sum over the processes alive at one sample, when
  it happened, and which processes made it up;
- each process's own peak (the command itself, the build's child, the search
  indexer, git), with when;
- the command's own memory while the search indexer runs (the indexer's name
  holds "pagefind"), and the tree's then.

`ru_maxrss` would give only the largest single process, never processes alive
side by side; a sample may miss a spike shorter than 50 ms.
"""

import argparse
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import measure

SAMPLE_SECONDS = 0.05
INDEXER = "pagefind"


@dataclass
class Sample:
    at: float
    """Seconds since the command started."""
    processes: list[tuple[int, str, float]]
    """(pid, name, MiB) of each process alive."""

    @property
    def total(self) -> float:
        return sum(mib for _, _, mib in self.processes)


@dataclass
class Sampler:
    """Samples a process tree in a thread until stopped."""

    root: int
    started: float
    samples: list[Sample] = field(default_factory=list)
    done: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        while not self.done.is_set():
            alive = []
            for pid in [self.root, *measure.descendants(self.root)]:
                found = measure.rss_mib(pid)
                if found is not None:
                    alive.append((pid, found[0], found[1]))
            self.samples.append(Sample(time.perf_counter() - self.started, alive))
            self.done.wait(SAMPLE_SECONDS)


def run(project: Path, command: list[str]) -> tuple[int, float, list[Sample], int]:
    """Run `command` in `project`; its exit code, wall time, samples and pid."""
    import subprocess

    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=project, stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    sampler = Sampler(process.pid, started)
    thread = threading.Thread(target=sampler.run, daemon=True)
    thread.start()
    _, err = process.communicate()
    seconds = time.perf_counter() - started
    sampler.done.set()
    thread.join()
    if process.returncode != 0:
        sys.stderr.write(err.decode("utf-8", "replace")[-2000:])
    return process.returncode, seconds, sampler.samples, process.pid


def report(samples: list[Sample], root: int) -> list[str]:
    """The figures, as Markdown lines."""
    peak = max(samples, key=lambda s: s.total)
    lines = [f"- tree peak: **{peak.total:,.0f} MiB** at {peak.at:.1f} s: "
             + ", ".join(f"{name} {'(the command)' if pid == root else pid} {mib:,.0f}"
                         for pid, name, mib in peak.processes)]
    own: dict[int, tuple[str, float, float]] = {}
    for sample in samples:
        for pid, name, mib in sample.processes:
            if pid not in own or mib > own[pid][1]:
                own[pid] = (name, mib, sample.at)
    lines.append("")
    lines.append("| process | peak MiB | at s |")
    lines.append("|---|---|---|")
    for pid, (name, mib, at) in sorted(own.items(), key=lambda item: -item[1][1]):
        if mib >= 20:  # git's many short processes are left out
            who = "the command" if pid == root else f"child {pid}"
            lines.append(f"| {name} ({who}) | {mib:,.0f} | {at:.1f} |")
    indexing = [s for s in samples if any(INDEXER in name for _, name, _ in s.processes)]
    if indexing:
        mine = max(mib for s in indexing for pid, _, mib in s.processes if pid == root)
        others = max(sum(mib for _, name, mib in s.processes if INDEXER not in name)
                     for s in indexing)
        tree = max(s.total for s in indexing)
        lines.append("")
        lines.append(f"- while the indexer runs ({indexing[0].at:.1f}-{indexing[-1].at:.1f} s): "
                     f"the command at most {mine:,.0f} MiB, every process but the indexer "
                     f"{others:,.0f} MiB, the tree {tree:,.0f} MiB")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("project", type=Path, help="the project to build (it is written)")
    parser.add_argument("--casebook", type=Path,
                        default=measure.REPO / ".venv" / "bin" / "casebook")
    parser.add_argument("--today", default="2026-11-28")
    parser.add_argument("--profile", default="internal")
    args = parser.parse_args()
    command = [str(args.casebook), "build", "--quiet", "--today", args.today,
               "--profile", args.profile]
    code, seconds, samples, root = run(args.project.resolve(), command)
    print(f"`casebook build` of {args.project}: exit {code}, {seconds:.1f} s, "
          f"{len(samples)} samples; {measure.machine()}")
    print()
    print("\n".join(report(samples, root)))
    sys.exit(code)


if __name__ == "__main__":
    main()
