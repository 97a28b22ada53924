"""ivr: a voice IVR toolkit for phone menus that live in config files.

The package is layered so that data flows one way::

    menus/*.yaml --loader--> Tree (immutable model) --flow--> Step (plain data)
                                                     --twiml--> TwiML for Twilio
                                                     --audio--> pre-rendered prompts

Only the adapters (web, twiml, audio, simulator, cli) touch the outside world.
"""

__version__ = "0.1.0"
