#!/usr/bin/python3
"""Drives a running JupyterHub (environment/hub/jupyterhub_config.py) with N test users at once.

Run by environment/hub/load-test.sh, which starts the hub and creates the users:
  /usr/bin/python3 load_test.py --hub http://127.0.0.1:PORT --password PW --notebook NAME USER...

Per user, all users concurrently: log in through the hub's API (a token from username + password), start the
user's server and wait until it is ready; then, once every server is up, run every code cell of the notebook in a
fresh kernel through the single-user server's API (a session, then execute requests on the kernel's websocket),
all users at the same time. Prints one row per user: login/start/notebook seconds, the kernel's CPU seconds (JVM
start included) and peak memory (VmHWM of its JVM), the user cgroup's peak, and the failures (error or stderr
output, timeouts). Stops each user's kernel and server at the end. Exit status 1 if any user failed.
"""
import argparse
import asyncio
import json
import os
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

from tornado.httpclient import AsyncHTTPClient, HTTPRequest
from tornado.websocket import websocket_connect

CELL_TIMEOUT = 300


class Failure(Exception):
    """A step of one user's run failed."""


async def call(method, url, token=None, body=None, ok=(200, 201, 202, 204), timeout=120):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"token {token}"
    req = HTTPRequest(url, method=method, headers=headers, request_timeout=timeout, connect_timeout=60,
                      body=None if body is None and method != "POST" else json.dumps(body or {}),
                      allow_nonstandard_methods=True)
    resp = await AsyncHTTPClient().fetch(req, raise_error=False)
    if resp.code not in ok:
        raise Failure(f"{method} {url.split('//', 1)[-1].split('/', 1)[-1]}: HTTP {resp.code} "
                      f"{(resp.body or b'')[:200].decode('utf-8', 'replace')}")
    return json.loads(resp.body) if resp.body else None


def kernel_pid(kernel_id):
    needle = f"kernel-{kernel_id}.json".encode()
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                cmd = (p / "cmdline").read_bytes()
            except OSError:
                continue
            if needle in cmd and b"java" in cmd.split(b"\0")[0]:
                return int(p.name)
    return None


def vm_hwm_mb(pid):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def cpu_seconds(pid):
    """User + system CPU seconds the process has used (its threads included)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def cgroup_peak_mb(user, name):
    for f in (Path("/sys/fs/cgroup/memory") / name / user / "memory.max_usage_in_bytes",
              Path("/sys/fs/cgroup") / name / user / "memory.peak"):
        try:
            return int(f.read_text()) / (1 << 20)
        except (OSError, ValueError):
            continue
    return None


class User:
    def __init__(self, name, args):
        self.name, self.args = name, args
        self.hub = args.hub.rstrip("/")
        self.token = None
        self.row = {"user": name, "login_s": None, "start_s": None, "notebook_s": None, "kernel_peak_mb": None,
                    "kernel_cpu_s": None, "cgroup_peak_mb": None, "failures": []}

    async def login_and_start(self):
        t0 = time.monotonic()
        r = await call("POST", f"{self.hub}/hub/api/users/{self.name}/tokens",
                       body={"auth": {"username": self.name, "password": self.args.password}, "note": "load test",
                             "expires_in": 3600})
        self.token = r["token"]
        self.row["login_s"] = time.monotonic() - t0
        t0 = time.monotonic()
        await call("POST", f"{self.hub}/hub/api/users/{self.name}/server", self.token)
        deadline = time.monotonic() + self.args.start_timeout
        while time.monotonic() < deadline:
            u = await call("GET", f"{self.hub}/hub/api/users/{self.name}", self.token)
            server = (u.get("servers") or {}).get("")
            if server and server.get("ready"):
                self.row["start_s"] = time.monotonic() - t0
                return
            if not server and time.monotonic() - t0 > 10:
                raise Failure("server stopped while starting (see the hub log)")
            await asyncio.sleep(1)
        raise Failure(f"server not ready after {self.args.start_timeout}s")

    async def run_notebook(self):
        base = f"{self.hub}/user/{self.name}/api"
        nb = (await call("GET", f"{base}/contents/{quote(self.args.notebook)}", self.token))["content"]
        cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
        t0 = time.monotonic()
        session = await call("POST", f"{base}/sessions", self.token, timeout=300, body={
            "path": self.args.notebook, "type": "notebook", "name": self.args.notebook, "kernel": {"name": "java"}})
        kid = session["kernel"]["id"]
        pid = None
        try:
            ws_url = f"{base}/kernels/{kid}/channels".replace("http://", "ws://", 1)
            # the server answers the websocket once the kernel answered it: slow on a busy machine
            ws = await websocket_connect(HTTPRequest(ws_url, headers={"Authorization": f"token {self.token}"},
                                                     connect_timeout=60, request_timeout=300),
                                         max_message_size=64 << 20)
            session_id = uuid.uuid4().hex
            try:
                await self._request(ws, session_id, "kernel_info_request", {}, 120, shell_only=True)
                pid = kernel_pid(kid)
                for number, cell in enumerate(cells, 1):
                    src = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
                    problems = await self._request(ws, session_id, "execute_request", {
                        "code": src, "silent": False, "store_history": True, "user_expressions": {},
                        "allow_stdin": False, "stop_on_error": True}, CELL_TIMEOUT)
                    if pid is None:
                        pid = kernel_pid(kid)
                    if problems:
                        self.row["failures"].append(f"cell {number}: {problems[0]}")
                        break
            finally:
                ws.close()
            self.row["notebook_s"] = time.monotonic() - t0
            if pid:
                self.row["kernel_peak_mb"] = vm_hwm_mb(pid)
                self.row["kernel_cpu_s"] = cpu_seconds(pid)
        finally:
            self.row["cgroup_peak_mb"] = cgroup_peak_mb(self.name, self.args.cgroup)
            await call("DELETE", f"{base}/sessions/{session['id']}", self.token, ok=(204, 404))

    async def _request(self, ws, session_id, msg_type, content, timeout, shell_only=False):
        msg_id = uuid.uuid4().hex
        await ws.write_message(json.dumps({
            "header": {"msg_id": msg_id, "username": self.name, "session": session_id, "msg_type": msg_type,
                       "version": "5.3", "date": ""},
            "parent_header": {}, "metadata": {}, "content": content, "channel": "shell", "buffers": []}))
        problems, replied, idle = [], False, shell_only
        deadline = time.monotonic() + timeout
        while not (replied and idle):
            left = deadline - time.monotonic()
            if left <= 0:
                raise Failure(f"{msg_type}: no answer within {timeout}s")
            try:
                raw = await asyncio.wait_for(ws.read_message(), left)
            except asyncio.TimeoutError:
                raise Failure(f"{msg_type}: no answer within {timeout}s") from None
            if raw is None:
                raise Failure("kernel websocket closed (kernel died?)")
            if isinstance(raw, bytes):
                continue
            msg = json.loads(raw)
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = msg["header"]["msg_type"]
            if msg.get("channel") == "shell" and kind.endswith("_reply"):
                replied = True
                if msg["content"].get("status") == "error":
                    problems.append(f"{msg['content'].get('ename')}: {msg['content'].get('evalue', '')[:160]}")
            elif kind == "status" and msg["content"].get("execution_state") == "idle":
                idle = True
            elif kind == "error":
                problems.append(f"{msg['content'].get('ename')}: {msg['content'].get('evalue', '')[:160]}")
            elif kind == "stream" and msg["content"].get("name") == "stderr":
                problems.append("stderr: " + msg["content"].get("text", "").strip()[:160])
        return problems

    async def stop(self):
        if self.token:
            try:
                await call("DELETE", f"{self.hub}/hub/api/users/{self.name}/server", self.token,
                           ok=(202, 204, 400, 404))
            except Exception as e:  # the hub's cleanup stops it anyway
                self.row["failures"].append(f"stop: {e}")


async def guarded(user, step):
    if user.row["failures"]:
        return
    try:
        await step()
    except Exception as e:
        user.row["failures"].append(f"{step.__name__}: {type(e).__name__}: {e}")


async def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("users", nargs="+")
    ap.add_argument("--hub", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--notebook", default="task1-data-augmentation-cnn.ipynb")
    ap.add_argument("--cgroup", default="labkit-hub")
    ap.add_argument("--start-timeout", type=int, default=180)
    ap.add_argument("--json", help="also write the rows here")
    args = ap.parse_args()
    AsyncHTTPClient.configure(None, max_clients=4 * len(args.users) + 4)

    users = [User(u, args) for u in args.users]
    t0 = time.monotonic()
    await asyncio.gather(*(guarded(u, u.login_and_start) for u in users))
    print(f"load-test: {sum(not u.row['failures'] for u in users)}/{len(users)} servers up after "
          f"{time.monotonic() - t0:.1f}s; running {args.notebook} in all of them at once", flush=True)
    t1 = time.monotonic()
    await asyncio.gather(*(guarded(u, u.run_notebook) for u in users))
    wall = time.monotonic() - t1
    await asyncio.gather(*(u.stop() for u in users))

    fmt = lambda v, f="{:.1f}": "-" if v is None else f.format(v)  # noqa: E731
    print(f"{'user':<16} {'login s':>8} {'start s':>8} {'Task s':>8} {'kernel CPU s':>12} {'kernel MB':>10} "
          f"{'cgroup MB':>10}  failures")
    for u in users:
        r = u.row
        print(f"{r['user']:<16} {fmt(r['login_s'], '{:.2f}'):>8} {fmt(r['start_s']):>8} {fmt(r['notebook_s']):>8} "
              f"{fmt(r['kernel_cpu_s']):>12} {fmt(r['kernel_peak_mb'], '{:.0f}'):>10} {fmt(r['cgroup_peak_mb'], '{:.0f}'):>10}  "
              f"{'; '.join(r['failures']) or 'none'}")
    failed = sum(bool(u.row["failures"]) for u in users)
    times = [u.row["notebook_s"] for u in users if u.row["notebook_s"] is not None]
    print(f"load-test: {len(users)} users, {failed} failed; notebook wall {wall:.1f}s, slowest user "
          f"{fmt(max(times) if times else None)}s")
    if args.json:
        Path(args.json).write_text(json.dumps({"rows": [u.row for u in users], "wall_s": wall}, indent=1))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
