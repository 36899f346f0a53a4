#!/usr/bin/env bash
# The main job: build labkit, install Jupyter and the Java kernel, execute every notebook headless.
#
#   bash environment/main.sh            quick run (LABKIT_QUICK=1: tiny data, one short epoch)
#   bash environment/main.sh --full     the full course run (same as LABKIT_QUICK=0 bash environment/main.sh)
#   bash environment/main.sh --serve    open the course in a browser instead: a notebook server on localhost
#
# Executed notebooks and their HTML copies go to build/notebooks/.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
OUT="build/notebooks"

mode=()
case "${1:-}" in
  --full) mode=(--full) ;;
  --quick) mode=(--quick) ;;
  --serve) exec bash environment/serve.sh ;;
  "") [[ "${LABKIT_QUICK:-1}" == 0 ]] && mode=(--full) || mode=(--quick) ;;
  *) echo "usage: bash environment/main.sh [--quick|--full|--serve]" >&2; exit 2 ;;
esac

echo "== building labkit (mvn package, tests skipped)"
mvn -B -q -Dstyle.color=never -DskipTests package
[[ -f labkit/target/labkit-all.jar ]] || echo "main: WARNING: labkit/target/labkit-all.jar not found; notebooks load it with %jars" >&2

echo "== installing Jupyter and the Java kernel"
bash environment/install-jupyter.sh
bash environment/install-kernel.sh

echo "== executing notebooks (${mode[0]#--})"
PY="$(bash environment/runner-python.sh)"
status=0
"$PY" environment/run_notebooks.py notebooks --out "$OUT" "${mode[@]}" || status=$?
echo "executed notebooks: $ROOT/$OUT/*.ipynb"
echo "HTML copies:        $ROOT/$OUT/*.html"
exit "$status"
