#!/usr/bin/env bash
# The CPU matrix: runs the numerics test packages again under other PyTorch kernel sets (ATEN_CPU_CAPABILITY), so a
# test that holds on this CPU's default choice but not on another machine's fails here (policy: docs/NUMERICS.md).
#
#   bash environment/cpu-matrix.sh                  default, avx2, and avx512 when /proc/cpuinfo lists avx512f
#   bash environment/cpu-matrix.sh default avx2     only these
#
# Needs the test classes built (environment/test.sh runs it after `mvn verify`). Maven's output per kernel set goes to
# build/cpu-matrix-<set>.log. Non-zero exit when any run has a failure.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# the packages whose tests compare numbers
PACKAGES=(quant train nn models export weights augment image)

if [[ $# -gt 0 ]]; then
  SETS=("$@")
else
  SETS=(default avx2)
  grep -qw avx512f /proc/cpuinfo 2>/dev/null && SETS+=(avx512)
fi
pattern=""
for p in "${PACKAGES[@]}"; do pattern+="${pattern:+,}labkit.$p.**.*Test"; done

mkdir -p "$ROOT/build"
failed=()
for set in "${SETS[@]}"; do
  case "$set" in default|avx2|avx512) ;; *) echo "cpu-matrix: unknown kernel set '$set' (default, avx2, avx512)" >&2; exit 2 ;; esac
  echo "== ATEN_CPU_CAPABILITY=$set: ${PACKAGES[*]}"
  start=$SECONDS
  # surefire:test alone: no recompilation, the classes `mvn verify` built
  if ATEN_CPU_CAPABILITY="$set" mvn -B --no-transfer-progress -Dstyle.color=never -q -pl labkit surefire:test \
      -Dtest="$pattern" -Dsurefire.failIfNoSpecifiedTests=false \
      >"$ROOT/build/cpu-matrix-$set.log" 2>&1; then
    echo "   passed in $((SECONDS - start)) s"
  else
    grep -E '^\[ERROR\]   |Tests run:.*Fail' "$ROOT/build/cpu-matrix-$set.log" | grep -v NNPACK | tail -15 >&2 || true
    echo "   FAILED under ATEN_CPU_CAPABILITY=$set ($((SECONDS - start)) s; log build/cpu-matrix-$set.log)" >&2
    failed+=("$set")
  fi
done
[[ ${#failed[@]} -eq 0 ]] || { echo "cpu-matrix: failures under ${failed[*]}" >&2; exit 1; }
echo "cpu-matrix: passed under ${SETS[*]}"
