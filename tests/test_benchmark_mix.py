"""The benchmarks' request mix still fits the shipped menu.

``benchmarks/webhooks.py`` and ``soak.py`` drive the service with ``harness.webhook_mix``; when the
wallet menu changed shape (a menu whose every option acts at once) the mix raised before any load,
and nothing in the suite noticed. Every request of a small mix must be answered 200 with TwiML the
simulator accepts, and the mix must reach menus, info nodes and transfers as its docstring says.
"""

from __future__ import annotations

from benchmarks.harness import MENU, ROOT, webhook_mix
from benchmarks.webhooks import check_answers


def test_the_webhook_mix_of_the_shipped_menu_is_answered_with_valid_twiml():
    mix = webhook_mix(MENU, calls=20)
    kinds = {hook.kind for hook in mix}
    assert {"incoming", "key press", "info node", "transfer", "dial outcome", "status callback"} <= kinds
    assert len({hook.body.split("CallSid=")[1].split("&")[0] for hook in mix}) == 20  # one CallSid a call
    check_answers(mix, MENU, ROOT / "audio")  # raises SystemExit on a non-200 or invalid TwiML
