#!/usr/bin/env bash
# Load test of the class server: N students at once on this machine.
#
#   sudo bash environment/hub/load-test.sh N        (N test users; LABKIT_QUICK=1 for quick-mode notebooks)
#
# Installs labkit for the hub into a temporary folder (environment/hub/install.sh), starts JupyterHub with
# environment/hub/jupyterhub_config.py on 127.0.0.1 only (free ports), creates N system users and their hub
# accounts, and runs environment/hub/load_test.py: each user logs in through the hub's API, starts a server, and
# all run the Task 1 notebook at the same time through their server's API. Prints per-user seconds, kernel peak
# memory and failures. Bounded by LABKIT_HUB_LOAD_TIMEOUT seconds (default 1200). Stops the hub, the users'
# servers and kernels, deletes the users, their cgroups and the temporary folder; the hub log and the table are
# kept in build/hub-load-test/.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
say() { echo "load-test: $*"; }
die() { echo "load-test: ERROR: $*" >&2; exit 1; }

N="${1:-}"
[[ "$N" =~ ^[1-9][0-9]*$ ]] || die "usage: sudo bash environment/hub/load-test.sh N   (N >= 1 test users)"
[[ "$(id -u)" -eq 0 ]] || die "run as root: it creates system users and starts servers as them"
for tool in useradd userdel; do command -v "$tool" >/dev/null || die "'$tool' not found"; done
TIMEOUT="${LABKIT_HUB_LOAD_TIMEOUT:-1200}"
OUT="$ROOT/build/hub-load-test"
mkdir -p "$OUT"

TMP="$(mktemp -d /tmp/labkit-hub-load.XXXXXX)"
chmod 755 "$TMP"
CGROUP="labkit-load-$(basename "$TMP" | cut -d. -f2 | tr 'A-Z' 'a-z')"
users=()
hub=""
cleanup() {
  trap - EXIT INT TERM
  set +e
  if [[ -n "$hub" ]] && kill -0 "$hub" 2>/dev/null; then
    say "stopping the hub (it stops the users' servers)"
    kill -TERM "$hub"
    for _ in $(seq 1 60); do kill -0 "$hub" 2>/dev/null || break; sleep 0.5; done
    kill -KILL -- "-$hub" 2>/dev/null
  fi
  if [[ -s "$TMP/state/jupyterhub-proxy.pid" ]]; then # the proxy outlives a hub killed hard
    proxy="$(cat "$TMP/state/jupyterhub-proxy.pid")"
    kill -0 "$proxy" 2>/dev/null && kill -TERM "$proxy" 2>/dev/null
  fi
  for u in "${users[@]}"; do
    pids="$(ps -u "$u" -o pid= 2>/dev/null | tr -s ' \n' ' ')"
    [[ -z "${pids// }" ]] || { say "killing what $u left running: $pids"; kill -KILL $pids 2>/dev/null; sleep 0.5; }
    userdel "$u" >/dev/null 2>&1 || say "could not delete user $u"
  done
  for d in /sys/fs/cgroup/memory/$CGROUP /sys/fs/cgroup/cpu/$CGROUP /sys/fs/cgroup/$CGROUP; do
    [[ -d "$d" ]] || continue
    find "$d" -mindepth 1 -depth -type d -exec rmdir {} \; 2>/dev/null
    rmdir "$d" 2>/dev/null || say "cgroup $d not removed"
  done
  [[ -f "$TMP/hub.log" ]] && cp "$TMP/hub.log" "$OUT/hub.log"
  rm -rf "$TMP"
  say "cleaned up (users, cgroups, $TMP)"
}
trap cleanup EXIT INT TERM

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

say "installing labkit for the hub into $TMP/home"
LABKIT_HUB_HOME="$TMP/home" bash environment/hub/install.sh >"$OUT/install.log" 2>&1 \
  || { tail -n 30 "$OUT/install.log" >&2; die "environment/hub/install.sh failed"; }

tag="$(basename "$TMP" | cut -d. -f2 | tr 'A-Z' 'a-z' | tr -cd 'a-z0-9' | head -c 6)"
mkdir -p "$TMP/users"
for i in $(seq 1 "$N"); do
  u="lk${tag}s$i"
  useradd --home-dir "$TMP/users/$u" --create-home --shell /usr/sbin/nologin --user-group "$u" \
    || die "useradd $u failed"
  users+=("$u")
done
say "created $N users: ${users[*]}"

PASSWORD="$(/usr/bin/python3 -c 'import secrets; print(secrets.token_urlsafe(18))')"
SERVICE_TOKEN="$(/usr/bin/python3 -c 'import secrets; print(secrets.token_hex(32))')"
PORT="$(free_port)"
export LABKIT_HUB_HOME="$TMP/home" LABKIT_HUB_STATE="$TMP/state" LABKIT_HUB_IP=127.0.0.1 LABKIT_HUB_PORT="$PORT" \
  LABKIT_HUB_INTERNAL_PORT="$(free_port)" LABKIT_HUB_PROXY_API_PORT="$(free_port)" LABKIT_HUB_CGROUP="$CGROUP" \
  LABKIT_HUB_TEST_PASSWORD="$PASSWORD" LABKIT_HUB_SERVICE_TOKEN="$SERVICE_TOKEN"
say "starting JupyterHub on 127.0.0.1:$PORT (log: $OUT/hub.log)"
# no subshell: $! must be the hub itself (setsid does not fork here, so it is also its process group)
setsid bash -c 'cd "$1" && exec jupyterhub -f "$2"' hub "$TMP" "$ROOT/environment/hub/jupyterhub_config.py" \
  >"$TMP/hub.log" 2>&1 </dev/null &
hub=$!
HUB="http://127.0.0.1:$PORT"
for _ in $(seq 1 120); do
  kill -0 "$hub" 2>/dev/null || { tail -n 30 "$TMP/hub.log" >&2; die "the hub exited at start"; }
  /usr/bin/python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' \
    "$HUB/hub/api/" >/dev/null 2>&1 && break
  sleep 0.5
done

/usr/bin/python3 - "$HUB" "$SERVICE_TOKEN" "${users[@]}" <<'EOF' || die "could not create the hub users"
import json, sys, urllib.request
hub, token, users = sys.argv[1], sys.argv[2], sys.argv[3:]
req = urllib.request.Request(f"{hub}/hub/api/users", method="POST", data=json.dumps({"usernames": users}).encode(),
                             headers={"Authorization": f"token {token}", "Content-Type": "application/json"})
urllib.request.urlopen(req, timeout=30)
EOF
say "hub accounts created through the API; mode: $([[ "${LABKIT_QUICK:-}" == 1 ]] && echo quick || echo full)"

status=0
timeout --signal=INT "$TIMEOUT" /usr/bin/python3 environment/hub/load_test.py --hub "$HUB" --password "$PASSWORD" \
  --cgroup "$CGROUP" --json "$OUT/result-$N.json" "${users[@]}" | tee "$OUT/result-$N.txt" || status=$?
[[ "$status" -ne 124 ]] || say "stopped after ${TIMEOUT}s (LABKIT_HUB_LOAD_TIMEOUT)"
grep -E "labkit: .*(cgroup|NOT enforced)" "$TMP/hub.log" | head -n 1 | sed 's/^/load-test: hub: /' || true
exit "$status"
