#!/usr/bin/env bash
# Opens the course in a browser: installs Debian's classic notebook server (jupyter-notebook 6.4) if missing,
# builds labkit if its jar is missing or older than the sources, registers the Java kernel, and starts the server
# on 127.0.0.1 in notebooks/. Prints the URL with its token once the server answers. Ctrl+C stops the server and
# the kernels it started. Run it as  bash environment/main.sh --serve.
#
# Environment:
#   LABKIT_PORT    first port to try (default 8888; the next free one is taken if it is busy)
#   LABKIT_TOKEN   the login token (default: a fresh random one)
#   LABKIT_QUICK   passed on to the kernels: 1 = quick mode (tiny data, short epochs); unset = the full course
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
say() { echo "serve: $*"; }
die() { echo "serve: ERROR: $*" >&2; exit 1; }

JAR="labkit/target/labkit-all.jar"
if [[ ! -s "$JAR" || -n "$(find labkit/src/main pom.xml labkit/pom.xml -newer "$JAR" -type f -print -quit)" ]]; then
  echo "== building labkit (mvn package, tests skipped)"
  mvn -B -q -Dstyle.color=never -DskipTests package
fi

echo "== installing the notebook server and the Java kernel (if missing)"
bash environment/install-jupyter.sh --server
bash environment/install-kernel.sh

if [[ -x /usr/bin/jupyter-notebook ]]; then
  NOTEBOOK=(/usr/bin/jupyter-notebook)
elif command -v jupyter-notebook >/dev/null 2>&1; then
  NOTEBOOK=(jupyter-notebook)
else
  die "no jupyter-notebook found after install-jupyter.sh --server"
fi
PY=/usr/bin/python3
[[ -x "$PY" ]] || PY=python3

PORT="$("$PY" - "${LABKIT_PORT:-8888}" <<'EOF'
import socket, sys
start = int(sys.argv[1])
for port in range(start, start + 50):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            continue
        print(port)
        break
else:
    sys.exit(f"serve: no free port in {start}..{start + 49}")
EOF
)"
TOKEN="${LABKIT_TOKEN:-$("$PY" -c 'import secrets; print(secrets.token_hex(24))')}"
URL="http://127.0.0.1:$PORT/"

args=(--no-browser --ip=127.0.0.1 --port="$PORT" --NotebookApp.port_retries=0
      --NotebookApp.token="$TOKEN" --notebook-dir="$ROOT/notebooks")
[[ "$(id -u)" -ne 0 ]] || args+=(--allow-root) # the server refuses root otherwise; it still listens on loopback only

echo "== starting the notebook server in notebooks/ (quick mode: ${LABKIT_QUICK:-off})"
"${NOTEBOOK[@]}" "${args[@]}" </dev/null &  # no tty: Ctrl+C reaches us, and we stop it with SIGTERM
server=$!
stop() {
  trap - INT TERM EXIT
  if kill -0 "$server" 2>/dev/null; then
    say "stopping the notebook server (pid $server) and its kernels"
    kill -TERM "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
}
trap stop INT TERM EXIT

for _ in $(seq 1 120); do
  kill -0 "$server" 2>/dev/null || die "the notebook server exited at start (its log is above)"
  if "$PY" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' \
       "${URL}api/status?token=$TOKEN" >/dev/null 2>&1; then
    break
  fi
  sleep 0.5
done

cat <<EOF

==========================================================================================
 The course is open at   ${URL}tree?token=$TOKEN
 Start with task1-data-augmentation-cnn.ipynb (kernel "Java (labkit)").
 Stop the server with Ctrl+C here (or: kill $server); its kernels stop with it.
==========================================================================================

EOF
wait "$server"
