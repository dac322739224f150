#!/usr/bin/env bash
# The demo: set up, then run every program of the tutorial on the default device.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
out="$(mktemp -d)"
for prog in examples/tutorial/*.py; do
  echo "=== $prog"
  (cd "$out" && "$PY" "$OLDPWD/$prog")
done
echo "(images written to $out)"
