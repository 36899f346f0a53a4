#!/usr/bin/env bash
# Prepares one machine to serve the course with JupyterHub (run as root; idempotent):
#   Debian's jupyterhub 3.0 and jupyter-notebook 6.4, the labkit jar, the Java kernel registered for every user
#   under $LABKIT_HUB_HOME/share/jupyter (the hub config puts it on each server's JUPYTER_PATH), and the course
#   notebooks that each user's ~/course starts from.
#
#   sudo bash environment/hub/install.sh            then   sudo jupyterhub -f environment/hub/jupyterhub_config.py
#
# LABKIT_HUB_HOME: where it all goes (default /opt/labkit), readable by every user.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
HOME_DIR="${LABKIT_HUB_HOME:-/opt/labkit}"
say() { echo "hub-install: $*"; }
die() { echo "hub-install: ERROR: $*" >&2; exit 1; }
[[ "$(id -u)" -eq 0 ]] || die "run as root: the hub starts servers as the students' accounts"

missing=()
for pkg in jupyterhub jupyter-notebook; do
  [[ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)" == *"install ok installed"* ]] || missing+=("$pkg")
done
if [[ ${#missing[@]} -gt 0 ]]; then
  say "installing ${missing[*]}"
  APT=(env DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=600)
  { "${APT[@]}" update && "${APT[@]}" install -y --no-install-recommends "${missing[@]}"; } >/tmp/labkit-hub-apt.log 2>&1 \
    || { tail -n 30 /tmp/labkit-hub-apt.log >&2; die "apt-get could not install ${missing[*]}"; }
fi
bash environment/install-jupyter.sh --server

JAR="labkit/target/labkit-all.jar"
if [[ ! -s "$JAR" || -n "$(find labkit/src/main pom.xml labkit/pom.xml -newer "$JAR" -type f -print -quit)" ]]; then
  say "building labkit (mvn package, tests skipped)"
  mvn -B -q -Dstyle.color=never -DskipTests package
fi

umask 022
mkdir -p "$HOME_DIR/labkit/target" "$HOME_DIR/course" "$HOME_DIR/share/jupyter"
cp -f "$JAR" "$HOME_DIR/labkit/target/labkit-all.jar.tmp" && mv -f "$HOME_DIR/labkit/target/labkit-all.jar.tmp" \
  "$HOME_DIR/labkit/target/labkit-all.jar"
rm -rf "$HOME_DIR/course/notebooks"
mkdir -p "$HOME_DIR/course/notebooks"
# the course notebooks as students get them: sources only (no data, runs or checkpoints)
(cd notebooks && find . -name '*.ipynb' -not -path '*/.ipynb_checkpoints/*' -not -name '_*' -print0 \
   | xargs -0 -I{} cp --parents {} "$HOME_DIR/course/notebooks/")
LABKIT_KERNEL_DIR="$HOME_DIR/kernel" JUPYTER_DATA_DIR="$HOME_DIR/share/jupyter" bash environment/install-kernel.sh
chmod -R a+rX "$HOME_DIR"
say "ready in $HOME_DIR: start the hub with  jupyterhub -f $ROOT/environment/hub/jupyterhub_config.py"
