#!/usr/bin/env bash
# The test command: the project's tests (which include every tutorial program).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pytest tests -q -p no:cacheprovider "$@"
