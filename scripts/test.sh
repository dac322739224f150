#!/usr/bin/env bash
# The test command: set up (idempotent), then the project's tests on the default device
# (which include every tutorial program on every usable CPU backend), then, for every
# backend plugins.toml names, the conformance suite and the project's tests on that device
# where the backend is usable here (and why not where it is not).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
python3 -m pytest tests -p no:cacheprovider "$@"
python3 scripts/ci_backends.py
