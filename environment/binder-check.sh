#!/usr/bin/env bash
# Binder clean-room check: builds this repository the way repo2docker (mybinder.org) does, in a fresh Debian
# rootfs, and runs every notebook there under Binder's 2 GB memory limit. Run before a release (needs root,
# debootstrap, network to deb.debian.org and Maven Central, a memory cgroup):
#
#   sudo bash environment/binder-check.sh            # all notebooks, quick mode
#   sudo bash environment/binder-check.sh --full     # the full course runs (long)
#
# What it does, in build/binder-check/:
#   1. a fresh Debian 12 rootfs from a cached `debootstrap --variant=minbase` tarball (made on the first run);
#   2. as root in it: binder/apt.txt, plus Debian's Jupyter (jupyter-notebook, nbconvert, nbclient) standing in
#      for Binder's conda Jupyter (as on Binder, `jupyter` is on PATH);
#   3. a user with uid 1000, an empty home and an empty Maven cache, owning a copy of the repository's tracked
#      files in that home (repo2docker's REPO_DIR = HOME); binder/postBuild runs as that user, in that folder;
#   4. the notebook server started as Binder does (no browser, loopback): the `java` kernelspec must be listed by
#      its API, and a kernel started through the API must come up idle;
#   5. every notebook executed (environment/run_notebooks.py, quick mode) through that `java` kernelspec, each
#      in its own memory cgroup limited to 2 GB, one line per notebook: seconds, OK/FAILED, peak memory.
# Cached between runs: the debootstrap tarball, apt's downloaded packages, and the rootfs right after step 2
# (keyed by apt.txt and the Jupyter package list; delete build/binder-check/ to start from nothing). The user, its
# home and its Maven cache are made afresh every run.
# Environment: BINDER_CHECK_MEMORY (default 2G), BINDER_CHECK_MIRROR (default http://deb.debian.org/debian),
# BINDER_CHECK_REUSE=1 (skip steps 1-3: rerun the server and notebook checks in the image the last run built).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="$ROOT/build/binder-check"
BASE_TAR="$WORK/bookworm-minbase.tar"
ARCHIVES="$WORK/apt-archives"
FS="$WORK/rootfs"
MIRROR="${BINDER_CHECK_MIRROR:-http://deb.debian.org/debian}"
MEMORY="${BINDER_CHECK_MEMORY:-2G}"
NB_UID=1000
NB_USER=jovyan
HOME_IN=/home/$NB_USER
MODE=--quick
[[ "${1:-}" == --full ]] && MODE=--full
# Binder's own Jupyter is conda's; these Debian packages stand in for it (notebook server, nbconvert, nbclient).
JUPYTER_PACKAGES=(jupyter-notebook jupyter-nbconvert python3-nbclient jupyter-client python3-ipykernel)

say() { echo "binder-check: $*"; }
die() { echo "binder-check: ERROR: $*" >&2; exit 1; }
t0=$SECONDS
stamp() { printf '[%4ds] ' $((SECONDS - t0)); }

[[ "$(id -u)" -eq 0 ]] || die "run as root (it builds a rootfs, mounts /proc in it and makes memory cgroups)"
command -v debootstrap >/dev/null || die "debootstrap missing (Debian: apt-get install debootstrap)"

# The memory cgroup: v2 (memory.max / memory.peak) where its memory controller is enabled, else v1
# (memory.limit_in_bytes / memory.max_usage_in_bytes).
if [[ -f /sys/fs/cgroup/cgroup.controllers ]] && grep -qw memory /sys/fs/cgroup/cgroup.controllers; then
  CG_KIND=v2
  CG_PARENT=/sys/fs/cgroup/labkit-binder-check
elif [[ -d /sys/fs/cgroup/memory ]]; then
  CG_KIND=v1
  CG_PARENT=/sys/fs/cgroup/memory/labkit-binder-check
else
  die "no memory cgroup (neither cgroup v2 with the memory controller nor v1 /sys/fs/cgroup/memory)"
fi
to_bytes() { numfmt --from=iec "$1"; }
gb() { awk -v b="$1" 'BEGIN { printf "%.2f", b / 1e9 }'; }
LIMIT=$(to_bytes "$MEMORY")

cleanup() {
  set +e
  [[ -n "${SERVER_PID:-}" ]] && kill "$SERVER_PID" 2>/dev/null
  for m in dev/pts dev proc sys; do mountpoint -q "$FS/$m" && umount -l "$FS/$m"; done
  mountpoint -q "$FS/var/cache/apt/archives" && umount -l "$FS/var/cache/apt/archives"
  if [[ -d "$CG_PARENT" ]]; then
    for g in "$CG_PARENT"/*/; do [[ -d "$g" ]] && rmdir "$g" 2>/dev/null; done
    rmdir "$CG_PARENT" 2>/dev/null
  fi
}
trap cleanup EXIT

mkdir -p "$WORK" "$ARCHIVES"
REUSE="${BINDER_CHECK_REUSE:-0}"
as_root() { chroot "$FS" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"; }
USER_ENV=(env -i HOME="$HOME_IN" USER="$NB_USER" NB_USER="$NB_USER" LANG=C.UTF-8 SHELL=/bin/bash
  PATH="$HOME_IN/.local/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
as_user() { chroot --userspec=$NB_UID:$NB_UID "$FS" "${USER_ENV[@]}" "$@"; }
mount_fs() {
  mkdir -p "$FS/proc" "$FS/sys" "$FS/dev" "$FS/var/cache/apt/archives"
  mount -t proc proc "$FS/proc"
  mount --rbind /sys "$FS/sys"
  mount --bind /dev "$FS/dev"
  mount --bind /dev/pts "$FS/dev/pts" 2>/dev/null || true
  mount --bind "$ARCHIVES" "$FS/var/cache/apt/archives"
}
if [[ "$REUSE" == 1 ]]; then
  [[ -x "$FS$HOME_IN/labkit/target/labkit-all.jar" || -f "$FS$HOME_IN/labkit/target/labkit-all.jar" ]] \
    || die "BINDER_CHECK_REUSE=1 but no image built by an earlier run in $FS"
  stamp; say "reusing the image in $FS (steps 1-3 skipped)"
  mount_fs
else
# --- 1. rootfs -------------------------------------------------------------------------------------------------
if [[ ! -s "$BASE_TAR" ]]; then
  stamp; say "debootstrap bookworm (minbase) from $MIRROR (cached in $BASE_TAR afterwards)"
  rm -rf "$WORK/base-tmp"
  debootstrap --variant=minbase bookworm "$WORK/base-tmp" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 \
    || { tail -20 "$WORK/debootstrap.log" >&2; die "debootstrap failed (log: $WORK/debootstrap.log)"; }
  tar -C "$WORK/base-tmp" -cf "$BASE_TAR.tmp" . && mv "$BASE_TAR.tmp" "$BASE_TAR"
  rm -rf "$WORK/base-tmp"
fi
mapfile -t APT < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$ROOT/binder/apt.txt")
KEY="$(printf '%s\n' "${APT[@]}" "${JUPYTER_PACKAGES[@]}" | sha256sum | cut -c1-12)"
APT_TAR="$WORK/rootfs-apt-$KEY.tar"
for m in dev/pts dev proc sys var/cache/apt/archives; do mountpoint -q "$FS/$m" 2>/dev/null && umount -l "$FS/$m"; done
rm -rf "$FS"
mkdir -p "$FS"
if [[ -s "$APT_TAR" ]]; then
  stamp; say "fresh rootfs in $FS (Debian + apt.txt + Jupyter, cached in $(basename "$APT_TAR"))"
  tar -C "$FS" -xf "$APT_TAR"
else
  stamp; say "fresh rootfs in $FS"
  tar -C "$FS" -xf "$BASE_TAR"
fi
cp /etc/resolv.conf "$FS/etc/resolv.conf"
mount_fs
rm -f "$FS/etc/apt/apt.conf.d/docker-clean"
# This host's own extra CAs (e.g. a TLS-intercepting proxy in front of Maven Central), trusted in the image too;
# Binder does not need them. ca-certificates(-java), installed below, add them to the system and Java stores.
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
  mkdir -p "$FS/usr/local/share/ca-certificates"
  cp /usr/local/share/ca-certificates/*.crt "$FS/usr/local/share/ca-certificates/"
fi


# --- 2. apt.txt and Jupyter, as root (repo2docker installs apt.txt as root before anything else) ----------------
if [[ ! -s "$APT_TAR" ]]; then
  stamp; say "apt-get install binder/apt.txt (${APT[*]}) + ${JUPYTER_PACKAGES[*]}"
  # as repo2docker does: --no-install-recommends
  as_root apt-get -q update >"$WORK/apt.log" 2>&1 || { tail -20 "$WORK/apt.log" >&2; die "apt-get update failed"; }
  as_root apt-get -q install -y --no-install-recommends "${APT[@]}" "${JUPYTER_PACKAGES[@]}" >>"$WORK/apt.log" 2>&1 \
    || { tail -30 "$WORK/apt.log" >&2; die "apt-get install failed (log: $WORK/apt.log)"; }
  tar -C "$FS" --one-file-system --exclude=./proc --exclude=./sys --exclude=./dev --exclude=./var/cache/apt/archives \
    -cf "$APT_TAR.tmp" . && mv "$APT_TAR.tmp" "$APT_TAR"
  mkdir -p "$FS/proc" "$FS/sys" "$FS/dev"
fi

# --- 3. the user, the repository in its home, postBuild as the user ---------------------------------------------
as_root groupadd --gid $NB_UID $NB_USER
as_root useradd --uid $NB_UID --gid $NB_UID --create-home --shell /bin/bash $NB_USER
[[ ! -e "$FS$HOME_IN/.m2" && ! -e "$FS$HOME_IN/.local" ]] || die "home of $NB_USER is not fresh"
# the repository as a clone of the work tree would have it: tracked and untracked files, not what git ignores
git -C "$ROOT" ls-files -z --cached --others --exclude-standard \
  | (cd "$ROOT" && xargs -0 -r sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' _) \
  | tar -C "$ROOT" --null -T - -cf - | tar -C "$FS$HOME_IN" -xf -
chroot "$FS" chown -R $NB_UID:$NB_UID "$HOME_IN"
stamp; say "binder/postBuild as $NB_USER (uid $NB_UID, empty ~/.m2) in $HOME_IN"
if ! as_user bash -c "cd $HOME_IN && chmod +x binder/postBuild && ./binder/postBuild" >"$WORK/postBuild.log" 2>&1; then
  tail -40 "$WORK/postBuild.log" >&2
  die "binder/postBuild failed (log: $WORK/postBuild.log)"
fi
stamp; say "postBuild done; image: home $(du -sh "$FS$HOME_IN" | cut -f1), ~/.m2 $(du -sh "$FS$HOME_IN/.m2" 2>/dev/null | cut -f1 || echo absent)"
# nothing the user needs may belong to root or be unreadable to it
bad="$(find "$FS$HOME_IN" ! -user $NB_UID -print 2>/dev/null | head -5)"
[[ -z "$bad" ]] || die "files in $HOME_IN not owned by $NB_USER: ${bad//$FS/}"
fi

# --- 4. the notebook server as Binder starts it ---------------------------------------------------------------
PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
TOKEN="$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
# started directly (not through a shell function), so $! is the server itself: chroot, env and bash all exec
chroot --userspec=$NB_UID:$NB_UID "$FS" "${USER_ENV[@]}" bash -c "cd $HOME_IN && exec jupyter notebook --no-browser \
  --ip=127.0.0.1 --port=$PORT --NotebookApp.token=$TOKEN --NotebookApp.open_browser=False" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
api() { as_user python3 - "$@" <<PY
import json, sys, time, urllib.request
base, tok = "http://127.0.0.1:$PORT/api", "$TOKEN"
def call(method, path, body=None):
    req = urllib.request.Request(base + path, method=method, data=None if body is None else json.dumps(body).encode(),
                                 headers={"Authorization": "token " + tok, "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        text = r.read().decode()
        return json.loads(text) if text else None
for _ in range(120):
    try:
        call("GET", "/status"); break
    except Exception:
        time.sleep(1)
else:
    sys.exit("server did not answer on 127.0.0.1:$PORT")
specs = call("GET", "/kernelspecs")
if "java" not in specs["kernelspecs"]:
    sys.exit("no 'java' kernelspec on the server: " + ", ".join(specs["kernelspecs"]))
spec = specs["kernelspecs"]["java"]["spec"]
k = call("POST", "/kernels", {"name": "java"})
# talk to the kernel as the browser does: the kernel's websocket, one kernel_info_request and one execute_request
import uuid
from tornado import ioloop, websocket
replies = {}
async def session():
    t0 = time.time()
    # the server opens the socket once the kernel answered its own kernel_info_request (or after its 60 s timeout)
    ws = await websocket.websocket_connect(websocket.httpclient.HTTPRequest(
        "ws://127.0.0.1:$PORT/api/kernels/%s/channels?token=%s" % (k["id"], tok),
        connect_timeout=180, request_timeout=180))
    replies["open_s"] = time.time() - t0
    def send(msg_type, content):
        mid = uuid.uuid4().hex
        ws.write_message(json.dumps({"header": {"msg_id": mid, "username": "binder-check", "session": uuid.uuid4().hex,
            "msg_type": msg_type, "version": "5.3", "date": ""}, "parent_header": {}, "metadata": {},
            "content": content, "channel": "shell", "buffers": []}))
        return mid
    for msg_type, content, want in (("kernel_info_request", {}, "kernel_info_reply"),
            ("execute_request", {"code": "System.out.println(6 * 7);", "silent": False, "store_history": False,
                                  "user_expressions": {}, "allow_stdin": False}, "execute_reply")):
        mid = send(msg_type, content)
        deadline = time.time() + 180
        while time.time() < deadline:
            raw = await ws.read_message()
            if raw is None:
                raise SystemExit("the kernel's websocket closed")
            m = json.loads(raw)
            if m.get("parent_header", {}).get("msg_id") != mid:
                continue
            if m["msg_type"] == "stream":
                replies["stdout"] = replies.get("stdout", "") + m["content"]["text"]
            if m["msg_type"] == want:
                replies[want] = m["content"]
                break
        else:
            raise SystemExit("no %s from the java kernel in 180 s" % want)
    ws.close()
try:
    ioloop.IOLoop.current().run_sync(session, timeout=600)
finally:
    call("DELETE", "/kernels/" + k["id"])
if replies["execute_reply"].get("status") != "ok" or "42" not in replies.get("stdout", ""):
    sys.exit("java kernel through the server: %r, stdout %r" % (replies["execute_reply"].get("status"), replies.get("stdout")))
lang = replies["kernel_info_reply"].get("language_info", {}).get("name", "?")
print("server: kernelspec 'java' (%s, %s); a kernel started through the API answered over its websocket"
      " (socket open after %.0f s; kernel_info: %s; System.out.println(6 * 7) printed 42)"
      % (spec["display_name"], " ".join(spec["argv"][:2]), replies["open_s"], lang))
PY
}
stamp; api || { tail -20 "$WORK/server.log" >&2; die "the notebook server check failed (log: $WORK/server.log)"; }
kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=

# --- 5. every notebook, each in a 2 GB memory cgroup ------------------------------------------------------------
mkdir -p "$CG_PARENT"
[[ $CG_KIND == v2 ]] && echo +memory >"$CG_PARENT/cgroup.subtree_control" 2>/dev/null || true
stamp; say "notebooks ($MODE) through kernelspec 'java', each under a $MEMORY memory cgroup ($CG_KIND)"
mapfile -t NBS < <(cd "$FS$HOME_IN" && find notebooks -name '*.ipynb' -not -path '*/.ipynb_checkpoints/*' | sort)
failed=0
total=0
worst=0
for nb in "${NBS[@]}"; do
  cg="$CG_PARENT/nb$total"
  mkdir -p "$cg"
  if [[ $CG_KIND == v2 ]]; then
    echo "$LIMIT" >"$cg/memory.max"; echo 0 >"$cg/memory.swap.max" 2>/dev/null || true
  else
    echo "$LIMIT" >"$cg/memory.limit_in_bytes"; echo "$LIMIT" >"$cg/memory.memsw.limit_in_bytes" 2>/dev/null || true
  fi
  start=$SECONDS
  status=OK
  # the runner (and so the kernel it starts) enters the cgroup before exec
  if ! sh -c 'echo $$ >"$1/cgroup.procs"; shift; exec "$@"' _ "$cg" \
      chroot --userspec=$NB_UID:$NB_UID "$FS" "${USER_ENV[@]}" LABKIT_OFFLINE=1 \
      bash -c "cd $HOME_IN && python3 environment/run_notebooks.py $MODE --out build/binder-check '$nb'" \
      >"$WORK/nb$total.log" 2>&1; then
    status=FAILED
    failed=$((failed + 1))
  fi
  secs=$((SECONDS - start))
  if [[ $CG_KIND == v2 ]]; then peak=$(cat "$cg/memory.peak" 2>/dev/null || echo 0); else peak=$(cat "$cg/memory.max_usage_in_bytes"); fi
  ooms=$( (grep -h '^oom_kill ' "$cg/memory.events" 2>/dev/null || grep -h '^oom_kill ' "$cg/memory.oom_control" 2>/dev/null) | awk '{print $2}')
  (( peak > worst )) && worst=$peak
  printf '%6ds  %-6s  peak %5s GB%s  %s\n' "$secs" "$status" "$(gb "$peak")" \
    "$([[ "${ooms:-0}" != 0 ]] && echo "  (OOM kills: $ooms)")" "$nb"
  [[ $status == OK ]] || grep -E 'FAILED|cell [0-9]+' "$WORK/nb$total.log" | head -3 | sed 's/^/        /'
  rmdir "$cg" 2>/dev/null || true
  total=$((total + 1))
done
stamp; printf 'binder-check: %d of %d notebooks OK (%s mode) under a %s limit; highest peak %s GB; %d s in all\n' \
  $((total - failed)) "$total" "${MODE#--}" "$MEMORY" "$(gb "$worst")" $((SECONDS - t0))
[[ $failed -eq 0 ]]
