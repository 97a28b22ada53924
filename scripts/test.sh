#!/usr/bin/env bash
# The test command: sets up (scripts/setup.sh), then lint, the test suite and the shipped menu's checks.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"
echo "== ruff"
ruff check ivr tests benchmarks
ruff format --check ivr tests benchmarks docs
echo "== import-linter (the layering in pyproject.toml)"
lint-imports
echo "== ivr validate (shipped menus)"
ivr validate
echo "== ivr audio build --strict (the shipped line within its listening limits, measured on the rendered audio)"
ivr audio build --menu menus/wallet.yaml --strict --no-progress
echo "== ivr paths (every path of the shipped menu, called through the simulator)"
ivr paths --menu menus/wallet.yaml
echo "== pytest"
# The call store's tests start a throw-away PostgreSQL cluster (tests/store/pg_cluster.py) and stop it
# after; here they must run, never be skipped for want of a server.
export IVR_REQUIRE_POSTGRES=1
pytest -q "$@"
