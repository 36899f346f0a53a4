#!/usr/bin/env bash
# Installs the real datasets the tests use from Debian packages (idempotent): dataset-fashion-mnist
# (/usr/share/datasets/fashion-mnist, the IDX files labkit.data.FashionMnist reads). Does nothing when installed.
# Uses sudo only when not root. Without apt (Binder, conda) it says so and exits 0: the tests that need the
# data then skip, naming the package.
set -euo pipefail

PACKAGES=(dataset-fashion-mnist)

say() { echo "install-datasets: $*"; }
die() { echo "install-datasets: ERROR: $*" >&2; exit 1; }

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  say "no apt here; skipping ${PACKAGES[*]} (tests that need it will skip)"
  exit 0
fi

missing=()
for pkg in "${PACKAGES[@]}"; do
  [[ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)" == *"install ok installed"* ]] || missing+=("$pkg")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  say "dataset packages already installed"
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
APT=("${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=600)
if ! { "${APT[@]}" update && "${APT[@]}" install -y --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
  tail -n 30 "$log" >&2
  die "apt-get could not install: ${missing[*]} (full log above)"
fi
[[ -f /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz ]] \
  || die "dataset-fashion-mnist installed, but /usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz is missing"
say "done"
