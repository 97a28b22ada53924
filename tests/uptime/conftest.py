"""The uptime suite: the line under real gunicorn through bad edits, restarts and hostile files.

The gunicorn helper is the benchmarks' own (``benchmarks/harness.py``: 127.0.0.1, a free port,
stopped by the block that started it); the repository root is put on the path to import it.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
