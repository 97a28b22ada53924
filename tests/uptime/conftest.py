"""The uptime suite: the line under real gunicorn through bad edits, restarts and hostile files.

The gunicorn helper is the benchmarks' own (``benchmarks/harness.py``: 127.0.0.1, a free port,
stopped by the block that started it); ``tests/conftest.py`` puts the repository root on the path.
"""
