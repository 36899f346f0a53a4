#!/usr/bin/env bash
# Installs Jupyter from Debian packages for the headless notebook runner (idempotent).
# Does nothing when the packages are already there. Uses sudo only when not root.
# On machines without apt (e.g. Binder, conda), it only checks that some python3 has nbclient/nbconvert.
#
#   bash environment/install-jupyter.sh            the headless runner's packages
#   bash environment/install-jupyter.sh --server   also the classic notebook server (Debian's jupyter-notebook 6.4)
set -euo pipefail

PACKAGES=(jupyter-nbconvert python3-nbclient jupyter-client python3-ipykernel)
SERVER=0
case "${1:-}" in
  --server) SERVER=1; PACKAGES+=(jupyter-notebook) ;;
  "") ;;
  *) echo "usage: bash environment/install-jupyter.sh [--server]" >&2; exit 2 ;;
esac

say() { echo "install-jupyter: $*"; }
die() { echo "install-jupyter: ERROR: $*" >&2; exit 1; }

python_ok() {
  "$1" -c 'import nbclient, nbconvert, nbformat, jupyter_client' >/dev/null 2>&1 || return 1
  [[ "$SERVER" == 0 ]] || "$1" -c 'import notebook' >/dev/null 2>&1
}

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  for py in /usr/bin/python3 python3; do
    if python_ok "$py"; then say "no apt here; using the Jupyter of $py"; exit 0; fi
  done
  die "no apt-get and no python3 with nbclient/nbconvert$([[ "$SERVER" == 0 ]] || echo "/notebook"); install Jupyter yourself"
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
  [[ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)" == *"install ok installed"* ]] || missing+=("$pkg")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  say "Jupyter packages already installed"
  exit 0
fi

SUDO=()
if [[ "$(id -u)" -ne 0 ]]; then
  command -v sudo >/dev/null 2>&1 || die "need root (or sudo) to install: ${missing[*]}"
  SUDO=(sudo -n)
fi

say "installing ${missing[*]}"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
# Wait for a concurrent apt/dpkg run instead of failing on its lock.
APT=("${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=600)
if ! { "${APT[@]}" update && "${APT[@]}" install -y --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
  tail -n 30 "$log" >&2
  die "apt-get could not install: ${missing[*]} (full log above)"
fi
python_ok /usr/bin/python3 || die "packages installed, but /usr/bin/python3 cannot import nbclient/nbconvert"
say "done"
