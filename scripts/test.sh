#!/usr/bin/env bash
# The test command: set up (idempotent), then the project's tests, which include every
# tutorial program on every usable CPU backend.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
python3 -m pytest tests -q -p no:cacheprovider "$@"
