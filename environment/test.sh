#!/usr/bin/env bash
# The test command: JUnit suite (mvn verify, which also builds the fat jar), the numerics packages again under
# PyTorch's other CPU kernel sets (environment/cpu-matrix.sh), then every notebook executed headless in quick mode
# into build/notebooks-test/, then the real-browser test (headless Chromium on the Task 1 notebook served by
# main.sh --serve; screenshots in build/browser-test/; LABKIT_BROWSER_TEST=0 skips it). Non-zero exit on any failure.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

echo "== installing Jupyter and the Java kernel (if missing)"
bash environment/install-jupyter.sh
bash environment/install-kernel.sh

echo "== installing the real datasets the tests use (if missing)"
bash environment/install-datasets.sh

echo "== mvn verify"
mvn -B --no-transfer-progress -Dstyle.color=never verify

echo "== the numerics packages under other CPU kernel sets (ATEN_CPU_CAPABILITY; docs/NUMERICS.md)"
bash environment/cpu-matrix.sh

echo "== executing notebooks (quick, offline: LABKIT_OFFLINE=1 forbids every download)"
export LABKIT_OFFLINE=1
PY="$(bash environment/runner-python.sh)"
"$PY" environment/run_notebooks.py notebooks --out build/notebooks-test --quick

if [[ "${LABKIT_BROWSER_TEST:-1}" != 0 ]]; then
  echo "== real-browser test (headless Chromium + puppeteer-core against main.sh --serve)"
  bash environment/browser-test.sh
fi
