"""The pure call flow: where a caller is, what they did, what happens next.

No Flask, no TwiML, no clock of its own (``now`` is a parameter). Imports only ``ivr.menu``.
"""
