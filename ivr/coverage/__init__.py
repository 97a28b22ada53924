"""``ivr paths``: every reachable path of a menu, called through the simulator.

Uses the simulator (Twilio's protocol only) to drive any app; the app itself is handed in (an
:data:`AppFactory`: ``ivr.commands.paths`` hands in this project's, so this package never imports the
web layer). :mod:`~ivr.coverage.explorer` walks the paths, :mod:`~ivr.coverage.moments` picks the
clock moments, :mod:`~ivr.coverage.places` reads the app's URLs back into the tree and lists the
caller's moves, :mod:`~ivr.coverage.report` accounts for what was covered and found.
"""

from ivr.coverage.explorer import AppFactory, explore
from ivr.coverage.moments import Moment, choose_moments, describe_moment
from ivr.coverage.report import GROUPS, Report

__all__ = ["GROUPS", "AppFactory", "Moment", "Report", "choose_moments", "describe_moment", "explore"]
