#!/usr/bin/env bash
# The test command: JUnit suite (mvn verify, which also builds the fat jar), then every notebook
# executed headless in quick mode into build/notebooks-test/. Non-zero exit on any failure.
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

echo "== executing notebooks (quick, offline: LABKIT_OFFLINE=1 forbids every download)"
export LABKIT_OFFLINE=1
PY="$(bash environment/runner-python.sh)"
"$PY" environment/run_notebooks.py notebooks --out build/notebooks-test --quick
