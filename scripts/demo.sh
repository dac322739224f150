#!/usr/bin/env bash
# The demo: set up, then run every program of the tutorial on the default device.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
out="$(mktemp -d)"
for prog in examples/tutorial/*.py; do
  echo "=== $prog"
  (cd "$out" && python3 "$OLDPWD/$prog")
done
echo "(images written to $out)"
