"""Synthetic traffic: a reproducible population of callers placed through the simulator.

``ivr simulate --calls N --seed S`` uses it so that the call store, ``ivr report`` and the
console have a realistic week to show. Every call is a real call to the app through the
simulator (Twilio's protocol only); the menu tree is read only to make the callers' choices
plausible (a caller presses the keys a menu announces far more often than any other key).
"""

from ivr.traffic.population import CallerMix, CallSummary, TrafficClock, place_calls

__all__ = ["CallSummary", "CallerMix", "TrafficClock", "place_calls"]
