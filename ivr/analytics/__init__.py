"""Line analytics: where callers go, where they give up, what they ask for, from the call store.

``figures`` holds what a report says (plain data, with the definition of every figure);
``queries`` reads the store with a handful of aggregate queries (portable SQL, SQLite and
PostgreSQL alike); ``report`` puts a period and the one before it side by side; ``text`` and
``html`` render it, the HTML with its charts drawn as inline SVG (``charts``), so the file is
self-contained. Knows no Flask: ``ivr report`` and the console call it.
"""

from ivr.analytics.figures import OUTCOMES, Figures, MenuFigures, Report
from ivr.analytics.report import build_report

__all__ = ["OUTCOMES", "Figures", "MenuFigures", "Report", "build_report"]
