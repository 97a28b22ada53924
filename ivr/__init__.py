"""ivr: a voice IVR toolkit for phone menus that live in config files.

The package is layered so that data flows one way (the README's Architecture section has the
picture; ``lint-imports`` enforces it)::

    menus/*.yaml --ivr.menu--> Tree (immutable model) --ivr.call--> Step (plain data)
                                                       --ivr.web--> TwiML for Twilio
                                                       --ivr.audio--> pre-rendered prompts

``ivr.menu`` and ``ivr.call`` are plain Python; the adapters (web, audio, coverage, commands)
touch the outside world; ``ivr.simulator`` speaks only Twilio's protocol and knows none of them.
"""

__version__ = "0.1.0"
