#!/usr/bin/env bash
# Prints the python that can run environment/run_notebooks.py: $LABKIT_PYTHON, else Debian's /usr/bin/python3
# (a pyenv python3 may shadow it on PATH), else python3 on PATH (conda on Binder). Fails if none has nbclient.
set -euo pipefail
for py in ${LABKIT_PYTHON:-} /usr/bin/python3 python3; do
  if "$py" -c 'import nbclient, nbconvert, nbformat' >/dev/null 2>&1; then
    command -v "$py"
    exit 0
  fi
done
echo "runner-python: no python3 with nbclient and nbconvert; run environment/install-jupyter.sh" >&2
exit 1
