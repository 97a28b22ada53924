"""The menu file: YAML with line numbers → an immutable ``Tree``, its checks and its diagrams.

The bottom layer: it imports nothing else of ``ivr``.
"""
