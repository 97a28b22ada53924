"""``ivr paths``: every reachable path of a menu, called through the simulator.

Uses the simulator (Twilio's protocol only) to drive any app; the app itself is handed in.
"""
