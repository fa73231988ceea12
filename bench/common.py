"""What every bench module shares: the error meant for the person running it, the progress log, the paths."""

from __future__ import annotations

import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS_DIR = REPO / "bench" / "results"


class BenchError(RuntimeError):
    """A failure with a message meant for the person running the benchmark."""


def log(message: str) -> None:
    """Progress line on stderr (stdout carries the result tables)."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)
