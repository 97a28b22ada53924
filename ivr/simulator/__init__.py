"""A Twilio-faithful local call simulator: hear and test a voice line without a phone.

It speaks only Twilio's protocol -- it POSTs Twilio's webhook parameters (signed like Twilio
signs them) and interprets the TwiML that comes back the way Twilio documents it -- so it works
against any TwiML app, in-process (WSGI) or over HTTP.  Nothing in this package imports the
rest of ``ivr`` except the ``ivr simulate`` CLI glue, which can target this project's own app.

Modules, one concept each:

* :mod:`.twiml_schema` -- what TwiML Twilio accepts; ``validate_twiml`` (12100/12200 problems).
* :mod:`.value_checks` -- the values Twilio checks (13511 voice, 13512 language, 13224 number, ...),
  over :mod:`.twilio_tables` (``data/*.json``: voices, speech languages, error codes, each with its page).
* :mod:`.twiml_tree` -- the parsed document and its problems.
* :mod:`.transport` -- in-process and HTTP transports that sign requests like Twilio.
* :mod:`.call_params` -- the standard webhook parameters and SIDs.
* :mod:`.caller` -- what the caller can do and what a call can wait for.
* :mod:`.engine` -- the TwiML interpreter, driven step by step; built from :mod:`.call_core`,
  :mod:`.fetching` (webhook and reply), :mod:`.timing`, :mod:`.attributes` and :mod:`.verbs` (one
  ``visit_<Verb>`` per verb).
* :mod:`.transcript` -- the record of a call, as JSON and as readable text.
* :mod:`.api` -- ``Simulator(app).call()`` for pytest.
* :mod:`.script` -- the ``--script`` mini-language shared by the CLI and tests.
* :mod:`.audio` -- renders what the caller heard into one WAV file.
* :mod:`.cli` -- ``ivr simulate``.
"""

from ivr.simulator.api import Call, CallProblem, Simulator
from ivr.simulator.engine import CallStateError, Limits
from ivr.simulator.twiml_schema import Problem, validate_twiml

__all__ = ["Call", "CallProblem", "CallStateError", "Limits", "Problem", "Simulator", "validate_twiml"]
