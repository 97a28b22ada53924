#!/usr/bin/env bash
# Installs everything the line and its tests need on a fresh Debian machine (run as root or with sudo):
# espeak-ng (its library for pyttsx3, its command for the phoneme tests), sox and wrk, Graphviz, Chromium with a CJK font (reports and pages
# show Chinese), PostgreSQL (the call store's tests run a throw-away
# cluster of it), a venv in .venv, and this package with its test extras.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
need=()
for pkg in libespeak-ng1 espeak-ng sox wrk graphviz chromium fonts-noto-cjk postgresql; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${need[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
echo "setup: installing the ivr package and its test tools into .venv"
.venv/bin/python -m pip install -q -e ".[test]" 2>&1 | grep -v "^WARNING: Location" || true
