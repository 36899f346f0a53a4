#!/usr/bin/env bash
# Installs the Java kernel for labkit's notebooks (idempotent; safe to run again).
#
#   1. fetches rapaio-jupyter-kernel (pinned) from Maven Central with Maven,
#   2. builds the LoopThread start-race shim (environment/kernel-shim) into shim.jar,
#   3. writes a launcher (kernel.sh) that runs  java <opts> -cp shim.jar:kernel.jar ...MainApp,
#   4. registers it as the Jupyter kernel "java" for the current user.
#
# Environment:
#   LABKIT_KERNEL_DIR        where jars and launcher go (default ~/.local/share/labkit/kernel)
#   LABKIT_JUPYTER           jupyter command to register with (default: `jupyter` on PATH, else /usr/bin/jupyter)
#   LABKIT_KERNEL_JAVA_OPTS  (at kernel start, not here) extra JVM options appended to the defaults below
#   LABKIT_KERNEL_FORCE=1    re-fetch and rebuild everything
set -euo pipefail

KERNEL_GAV="io.github.padreati:rapaio-jupyter-kernel:3.0.1"
KERNEL_JAR_NAME="rapaio-jupyter-kernel-3.0.1.jar"
DEP_PLUGIN="org.apache.maven.plugins:maven-dependency-plugin:3.8.1"
KERNEL_NAME="java"
DISPLAY_NAME="Java (labkit)"
MAIN_CLASS="org.rapaio.jupyter.kernel.MainApp"
SHIM_CLASS="org.rapaio.jupyter.kernel.channels.LoopThread"

# Default JVM options, chosen for ~2 GB machines (Binder). User code runs inside this very JVM
# (rapaio's JShell uses a DirectExecutionControl), so every -D for DJL belongs here.
# Heap stays small: PyTorch tensors live off-heap, in native memory. Log lines reach cells as stderr, which
# fails a notebook: DJL logs at WARN, and its CUDA probe's harmless "Failed to detect GPU count" is silenced.
# No -Dai.djl.offline here: Labkit.init() turns DJL's flag on as a default, which keeps DJL's model zoo off but
# still lets a student fetch verified pretrained weights (pretrained = true); set LABKIT_OFFLINE=1 (CI does) or
# pass -Dlabkit.offline=true in LABKIT_KERNEL_JAVA_OPTS to forbid every download.
DEFAULT_JAVA_OPTS="-Xmx1g -XX:+UseSerialGC -Djava.awt.headless=true -Dfile.encoding=UTF-8 \
-Dai.djl.pytorch.num_interop_threads=1 \
-Dorg.slf4j.simpleLogger.defaultLogLevel=warn -Dorg.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils=error"

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SHIM_SRC="$HERE/kernel-shim/src"
KERNEL_DIR="${LABKIT_KERNEL_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/labkit/kernel}"
FORCE="${LABKIT_KERNEL_FORCE:-0}"

say() { echo "install-kernel: $*"; }
die() { echo "install-kernel: ERROR: $*" >&2; exit 1; }

for tool in java javac jar javap mvn; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' not found; install a JDK 17 and Maven (Debian: openjdk-17-jdk-headless maven)"
done
mkdir -p "$KERNEL_DIR"
KERNEL_JAR="$KERNEL_DIR/$KERNEL_JAR_NAME"
SHIM_JAR="$KERNEL_DIR/shim.jar"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

# 1. Kernel jar from Maven Central (run Maven in an empty folder so no project pom is read).
if [[ "$FORCE" == 1 || ! -s "$KERNEL_JAR" ]]; then
  say "fetching $KERNEL_GAV"
  if ! (cd "$TMP" && mvn -B -q "$DEP_PLUGIN:copy" -Dartifact="$KERNEL_GAV" -DoutputDirectory="$TMP/dl" \
          >"$TMP/mvn.log" 2>&1); then
    cat "$TMP/mvn.log" >&2
    die "could not fetch $KERNEL_GAV with Maven (network to Maven Central?)"
  fi
  mv -f "$TMP/dl/$KERNEL_JAR_NAME" "$KERNEL_JAR"
  rm -f "$SHIM_JAR" # rebuild the shim against the new jar
fi

# 2. The shim, rebuilt when missing or older than its source.
if [[ "$FORCE" == 1 || ! -s "$SHIM_JAR" || -n "$(find "$SHIM_SRC" -name '*.java' -newer "$SHIM_JAR")" ]]; then
  say "building LoopThread shim"
  mkdir -p "$TMP/classes"
  find "$SHIM_SRC" -name '*.java' >"$TMP/sources.txt"
  javac --release 17 -nowarn -cp "$KERNEL_JAR" -d "$TMP/classes" @"$TMP/sources.txt" \
    || die "could not compile the shim in $SHIM_SRC"
  # The shim must expose exactly the original's public API, or the kernel would fail at link time.
  javap -public -cp "$KERNEL_JAR" "$SHIM_CLASS" | grep -v '^Compiled from' >"$TMP/orig.api"
  javap -public -cp "$TMP/classes" "$SHIM_CLASS" | grep -v '^Compiled from' >"$TMP/shim.api"
  diff -u "$TMP/orig.api" "$TMP/shim.api" >&2 || die "shim API differs from $SHIM_CLASS in $KERNEL_JAR_NAME"
  jar cf "$TMP/shim.jar" -C "$TMP/classes" .
  mv -f "$TMP/shim.jar" "$SHIM_JAR"
fi

# 3. Launcher: options are read when the kernel starts, so LABKIT_KERNEL_JAVA_OPTS works without reinstalling.
cat >"$TMP/kernel.sh" <<EOF
#!/usr/bin/env bash
# Starts the labkit Java kernel (written by environment/install-kernel.sh). Usage: kernel.sh CONNECTION_FILE
# LABKIT_KERNEL_JAVA_OPTS is appended to the defaults (the last -Xmx / -D wins).
JAVA="\${JAVA_HOME:+\$JAVA_HOME/bin/}java"
export RJK_MIMA_CACHE="\${RJK_MIMA_CACHE:-$KERNEL_DIR/mima_cache}"
# glibc: at most 2 malloc arenas (by default up to 8 per CPU, each keeping its own freed tensor memory); glibc's
# adaptive mmap threshold is left alone. A fixed MALLOC_MMAP_THRESHOLD_=131072 (used before) mmaps every activation
# afresh: the page faults made DepthNet training 2.6x slower (bench depth: 2.9 -> 7.7 images/s) and the full project
# notebook spend 42% of its CPU time in the kernel. Full project notebook with this setting: 17.7 min, peak RSS
# 1.62 GB.
export MALLOC_ARENA_MAX="\${MALLOC_ARENA_MAX:-2}"
# If the process that started us (Jupyter, the runner) dies without shutting us down, stop too:
# a watcher polls the parent and kills this PID, which exec hands over to the JVM.
if [[ -n "\${JPY_PARENT_PID:-}" ]]; then
  ( while sleep 2; kill -0 "\$JPY_PARENT_PID" 2>/dev/null; do kill -0 \$\$ 2>/dev/null || exit 0; done
    kill \$\$ 2>/dev/null ) </dev/null >/dev/null 2>&1 &
fi
# shellcheck disable=SC2086
exec "\$JAVA" $DEFAULT_JAVA_OPTS \${LABKIT_KERNEL_JAVA_OPTS:-} \\
  -cp "$SHIM_JAR:$KERNEL_JAR" $MAIN_CLASS "\$1"
EOF
install -m 0755 "$TMP/kernel.sh" "$KERNEL_DIR/kernel.sh"

# 4. Kernel spec. Register with the jupyter that will run the notebooks: `jupyter` on PATH
#    (conda's on Binder, Debian's here), else Debian's /usr/bin/jupyter.
JUPYTER="${LABKIT_JUPYTER:-}"
if [[ -z "$JUPYTER" ]]; then
  if command -v jupyter >/dev/null 2>&1 && jupyter --data-dir >/dev/null 2>&1; then
    JUPYTER="jupyter"
  elif [[ -x /usr/bin/jupyter ]]; then
    JUPYTER="/usr/bin/jupyter"
  else
    die "no working 'jupyter' found; run environment/install-jupyter.sh first"
  fi
fi
mkdir -p "$TMP/spec"
cat >"$TMP/spec/kernel.json" <<EOF
{
  "argv": ["bash", "$KERNEL_DIR/kernel.sh", "{connection_file}"],
  "display_name": "$DISPLAY_NAME",
  "language": "java",
  "interrupt_mode": "message",
  "env": {}
}
EOF
"$JUPYTER" kernelspec install --user --replace --name "$KERNEL_NAME" "$TMP/spec" >/dev/null 2>"$TMP/spec.log" \
  || { cat "$TMP/spec.log" >&2; die "'$JUPYTER kernelspec install' failed"; }
# (list first, grep after: `jupyter ... | grep -q` under pipefail fails when grep exits before jupyter writes)
specs="$("$JUPYTER" kernelspec list 2>/dev/null || true)"
grep -qE "^ +$KERNEL_NAME +" <<<"$specs" \
  || die "kernel '$KERNEL_NAME' not visible in '$JUPYTER kernelspec list'"
say "kernel '$KERNEL_NAME' ($DISPLAY_NAME) registered with $JUPYTER; files in $KERNEL_DIR"
