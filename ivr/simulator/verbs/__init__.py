"""The verb visitors, one module per kind of verb; :class:`~ivr.simulator.engine.CallEngine` combines them.

Each ``visit_<Verb>`` follows Twilio's TwiML reference (https://www.twilio.com/docs/voice/twiml/<verb>)
and its module docstring lists the defaults it applies.
"""
