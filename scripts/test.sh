#!/usr/bin/env bash
# The test command: set up (idempotent), then the project's tests on the default device
# (which include every tutorial program on every usable CPU backend) and every backend
# distribution's own tests (pyproject.toml's testpaths), spread over the CPUs,
# and beside it, for every backend plugins.toml names, the conformance suite (side by side)
# and the device-dependent tests on that device where the backend is usable here (and why not
# where it is not). Extra arguments go to the main pytest run. Workers steal queued tests from each
# other (--dist worksteal): a worker that drew the slow tests does not leave a CPU idle at the
# end. scripts/ci_backends.py runs its tasks the same way, two or more at a time.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
# Where the environment keeps bytecode out of source trees (PYTHONDONTWRITEBYTECODE), each of
# the test command's Python processes (about 40, and the programs tests start) would compile
# every module it imports, and pytest rewrite every test module's asserts, afresh: 5 of a
# worker's 9 s of collection. They share a bytecode cache outside the tree instead.
if [ -n "${PYTHONDONTWRITEBYTECODE:-}" ]; then
  unset PYTHONDONTWRITEBYTECODE
  export PYTHONPYCACHEPREFIX="${XDG_CACHE_HOME:-$HOME/.cache}/theano-tests/bytecode"
fi
start=$SECONDS
# The backends' tasks start beside the main run rather than after it, so that neither run's
# last tests leave a CPU idle; what they print waits in a file until the main run's progress
# is done, then follows as they end.
backends_log=$(mktemp)
trap 'rm -f "$backends_log"' EXIT
"$PY" scripts/ci_backends.py >"$backends_log" 2>&1 &
backends=$!
main_rc=0
"$PY" -m pytest -p no:cacheprovider -n "$(nproc)" --dist worksteal "$@" || main_rc=$?
echo "== main test run: $((SECONDS - start)) s$([ "$main_rc" = 0 ] || echo ': FAILED')"
tail -n +1 -f --pid="$backends" "$backends_log"
backends_rc=0
wait "$backends" || backends_rc=$?
echo "== the test command took $((SECONDS - start)) s after set-up"
[ "$main_rc" = 0 ] && [ "$backends_rc" = 0 ]
