#!/usr/bin/env bash
# The real-browser test: starts the course's notebook server (environment/main.sh --serve, quick mode, offline) on
# 127.0.0.1, and drives headless Chromium (Debian's chromium) with puppeteer-core (npm, pinned by
# environment/browser-test/package-lock.json) through environment/browser-test/browser-test.mjs: Task 1 run from
# the UI, its pictures and chart, its HTML copy, a progress bar redrawn in place. Screenshots go to build/browser-test/.
# Installs chromium, nodejs and npm with apt and puppeteer-core with `npm ci` when missing. Stops everything it
# started. Exit status 0 only if every check passed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
OUT="$ROOT/build/browser-test"
say() { echo "browser-test: $*"; }
die() { echo "browser-test: ERROR: $*" >&2; exit 1; }

missing=()
[[ -x /usr/bin/chromium ]] || missing+=(chromium)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [[ ${#missing[@]} -gt 0 ]]; then
  command -v apt-get >/dev/null 2>&1 || die "need ${missing[*]} (no apt-get here to install them)"
  SUDO=()
  [[ "$(id -u)" -eq 0 ]] || SUDO=(sudo -n)
  say "installing ${missing[*]}"
  APT=("${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=600)
  { "${APT[@]}" update && "${APT[@]}" install -y --no-install-recommends "${missing[@]}"; } >/tmp/browser-test-apt.log 2>&1 \
    || { tail -n 30 /tmp/browser-test-apt.log >&2; die "apt-get could not install ${missing[*]}"; }
fi
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 18 ? 0 : 1)' \
  || die "node $(node --version) is too old for puppeteer-core (need 18 or newer)"

if [[ ! -d environment/browser-test/node_modules/puppeteer-core ]]; then
  say "npm ci (puppeteer-core, pinned by package-lock.json)"
  (cd environment/browser-test && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed"
fi

mkdir -p "$OUT"
rm -f "$OUT"/*.png
TOKEN="$(/usr/bin/python3 -c 'import secrets; print(secrets.token_hex(24))' 2>/dev/null || echo "labkit$RANDOM$RANDOM")"
LOG="$OUT/server.log"
say "starting the notebook server (bash environment/main.sh --serve; log: $LOG)"
LABKIT_QUICK=1 LABKIT_OFFLINE=1 LABKIT_TOKEN="$TOKEN" LABKIT_PORT="${LABKIT_PORT:-8899}" \
  setsid bash environment/main.sh --serve >"$LOG" 2>&1 </dev/null &
serve=$!
cleanup() {
  trap - EXIT INT TERM
  if kill -0 "$serve" 2>/dev/null; then
    kill -TERM "$serve" 2>/dev/null || true # serve.sh stops the server, which stops its kernels
    for _ in $(seq 1 40); do kill -0 "$serve" 2>/dev/null || break; sleep 0.5; done
  fi
  kill -KILL -- "-$serve" 2>/dev/null || true # anything left in its process group
}
trap cleanup EXIT INT TERM

url=""
for _ in $(seq 1 1200); do # the first start may build labkit and install packages
  url="$(sed -n 's|^ The course is open at *\(http://127\.0\.0\.1:[0-9]*/\)tree?token=.*|\1|p' "$LOG" | head -n 1)"
  [[ -n "$url" ]] && break
  kill -0 "$serve" 2>/dev/null || { tail -n 40 "$LOG" >&2; die "main.sh --serve exited before the server answered"; }
  sleep 1
done
[[ -n "$url" ]] || { tail -n 40 "$LOG" >&2; die "no server URL after 20 min"; }
say "server at $url"

start=$SECONDS
status=0
node environment/browser-test/browser-test.mjs --url "$url" --token "$TOKEN" --out "$OUT" || status=$?
say "browser checks took $((SECONDS - start)) s; screenshots: $OUT/*.png"
exit "$status"
