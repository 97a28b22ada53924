#!/usr/bin/env bash
# The main job: set up, check the shipped menu, render its audio, and serve the line on 127.0.0.1:5000.
# Then open the phone page in a browser: http://127.0.0.1:5000/console/phone (keypad, real sound),
# or, in another terminal:    .venv/bin/ivr simulate http://127.0.0.1:5000/voice/incoming
# or without the server:      .venv/bin/ivr simulate        (calls the app in-process)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"
MENU="${MENU_FILE:-menus/wallet.yaml}"
ivr validate "$MENU"
ivr audio build --menu "$MENU"
exec ivr serve --menu "$MENU" --host "${HOST:-127.0.0.1}" --port "${PORT:-5000}"
