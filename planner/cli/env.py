"""Where the CLI writes: its output streams, passed in so tests run it in-process."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import TextIO


@dataclass
class Env:
    """Streams the CLI writes to, passed in so tests run it in-process."""

    stdout: TextIO = field(default_factory=lambda: sys.stdout)
    stderr: TextIO = field(default_factory=lambda: sys.stderr)

    def progress(self, message: str) -> None:
        """Print a progress line on stderr."""
        print(f"planner: {message}", file=self.stderr, flush=True)
