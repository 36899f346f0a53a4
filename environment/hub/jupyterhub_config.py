# JupyterHub (Debian's jupyterhub 3.0) configuration that serves the labkit course to a class on one machine.
#
#   sudo bash environment/hub/install.sh                 # once: packages, labkit jar, kernel, course copy
#   sudo jupyterhub -f environment/hub/jupyterhub_config.py
#
# Every user logs in with their system account (PAM), gets a classic notebook server (jupyter-notebook 6.4) in
# ~/course/notebooks (a copy of the course made at first start; the labkit jar is shared, not copied) with the
# "Java (labkit)" kernel, and runs in their own cgroup: at most LABKIT_HUB_MEM of memory (server + kernels) and
# LABKIT_HUB_CPU CPUs, with a CPU share proportional to LABKIT_HUB_CPU_GUARANTEE. Idle kernels and servers are
# culled by the single-user server itself (no extra service to install).
#
# Environment (read when the hub starts):
#   LABKIT_HUB_HOME            where install.sh put labkit (default /opt/labkit)
#   LABKIT_HUB_STATE           hub database and cookie secret (default /var/lib/labkit-hub)
#   LABKIT_HUB_IP / _PORT      the public address (default 127.0.0.1:8000: put a TLS proxy in front for a class)
#   LABKIT_HUB_MEM             per-user memory limit (default 2G)
#   LABKIT_HUB_CPU             per-user CPU limit, in CPUs (default 1)
#   LABKIT_HUB_CPU_GUARANTEE   per-user CPU share when the machine is busy, in CPUs (default 1)
#   LABKIT_HUB_ADMINS          comma-separated admin users (default none)
#   LABKIT_HUB_KERNEL_IDLE     seconds before an idle kernel is shut down (default 1800)
#   LABKIT_HUB_SERVER_IDLE     seconds before a server with no activity stops itself (default 3600)
#   LABKIT_QUICK               passed on to every kernel (1 = quick mode)
#   Load test only (environment/hub/load-test.sh): LABKIT_HUB_TEST_PASSWORD switches to a shared-password
#   authenticator, LABKIT_HUB_SERVICE_TOKEN adds an admin service "labkit-load-test" with that API token.
import os
import shutil
from pathlib import Path

from jupyterhub.spawner import LocalProcessSpawner

c = get_config()  # noqa: F821 (provided by JupyterHub)

HOME = Path(os.environ.get("LABKIT_HUB_HOME", "/opt/labkit"))
STATE = Path(os.environ.get("LABKIT_HUB_STATE", "/var/lib/labkit-hub"))
STATE.mkdir(parents=True, exist_ok=True, mode=0o700)
MEM = os.environ.get("LABKIT_HUB_MEM", "2G")
CPU = float(os.environ.get("LABKIT_HUB_CPU", "1"))
CPU_GUARANTEE = float(os.environ.get("LABKIT_HUB_CPU_GUARANTEE", "1"))
CGROUP_NAME = os.environ.get("LABKIT_HUB_CGROUP", "labkit-hub")

# --- network: loopback unless told otherwise; the hub and the proxy's API stay on loopback always
c.JupyterHub.ip = os.environ.get("LABKIT_HUB_IP", "127.0.0.1")
c.JupyterHub.port = int(os.environ.get("LABKIT_HUB_PORT", "8000"))
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(os.environ.get("LABKIT_HUB_INTERNAL_PORT", "8081"))
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:%s" % os.environ.get("LABKIT_HUB_PROXY_API_PORT", "8001")
c.JupyterHub.db_url = "sqlite:///%s" % (STATE / "jupyterhub.sqlite")
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.ConfigurableHTTPProxy.pid_file = str(STATE / "jupyterhub-proxy.pid")
c.JupyterHub.cleanup_servers = True  # stopping the hub stops every user's server
# Debian's configurable-http-proxy loads its modules from /usr/share/nodejs, which Debian's node searches by itself;
# a node from elsewhere (e.g. NodeSource's) needs to be told.
if Path("/usr/share/nodejs").is_dir() and "/usr/share/nodejs" not in os.environ.get("NODE_PATH", ""):
    os.environ["NODE_PATH"] = os.pathsep.join(p for p in ("/usr/share/nodejs", os.environ.get("NODE_PATH")) if p)

# --- who may log in
admins = {u.strip() for u in os.environ.get("LABKIT_HUB_ADMINS", "").split(",") if u.strip()}
c.Authenticator.admin_users = admins
if os.environ.get("LABKIT_HUB_TEST_PASSWORD"):
    # load test: users created through the API log in with one shared password (never for a class)
    c.JupyterHub.authenticator_class = "jupyterhub.auth.DummyAuthenticator"
    c.DummyAuthenticator.password = os.environ["LABKIT_HUB_TEST_PASSWORD"]
else:
    c.JupyterHub.authenticator_class = "jupyterhub.auth.PAMAuthenticator"  # system accounts
if os.environ.get("LABKIT_HUB_SERVICE_TOKEN"):
    c.JupyterHub.services = [{"name": "labkit-load-test", "api_token": os.environ["LABKIT_HUB_SERVICE_TOKEN"]}]
    c.JupyterHub.load_roles = [{
        "name": "labkit-load-test",
        "scopes": ["admin:users", "admin:servers", "tokens", "list:users", "read:users"],
        "services": ["labkit-load-test"],
    }]


# --- per-user cgroups: memory and CPU limits that hold (LocalProcessSpawner alone only advertises them)
def _bytes(spec):
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
    spec = str(spec).strip().upper()
    return int(float(spec[:-1]) * units[spec[-1]]) if spec[-1] in units else int(spec)


class UserCgroup:
    """A cgroup per user (v2, or v1's memory and cpu hierarchies) that the user's server and kernels live in."""

    def __init__(self, user, log):
        self.user, self.log = user, log
        v2 = Path("/sys/fs/cgroup/cgroup.controllers").exists()
        if v2:
            self.dirs = {"v2": Path("/sys/fs/cgroup") / CGROUP_NAME / user}
        else:
            self.dirs = {k: Path("/sys/fs/cgroup") / k / CGROUP_NAME / user for k in ("memory", "cpu")}

    def attach(self, pid, mem_bytes, cpu_limit, cpu_guarantee):
        period = 100_000
        try:
            for kind, d in self.dirs.items():
                if kind == "v2":
                    parent = d.parent
                    parent.mkdir(exist_ok=True)
                    (parent.parent / "cgroup.subtree_control").write_text("+memory +cpu")
                    (parent / "cgroup.subtree_control").write_text("+memory +cpu")
                d.mkdir(parents=True, exist_ok=True)
                if kind == "v2":
                    (d / "memory.max").write_text(str(mem_bytes))
                    if (d / "memory.swap.max").exists():
                        (d / "memory.swap.max").write_text("0")
                    (d / "cpu.max").write_text(f"{int(cpu_limit * period)} {period}")
                    (d / "cpu.weight").write_text(str(max(1, min(10000, int(100 * cpu_guarantee)))))
                elif kind == "memory":
                    (d / "memory.limit_in_bytes").write_text(str(mem_bytes))
                    if (d / "memory.memsw.limit_in_bytes").exists():
                        (d / "memory.memsw.limit_in_bytes").write_text(str(mem_bytes))
                else:
                    (d / "cpu.cfs_period_us").write_text(str(period))
                    (d / "cpu.cfs_quota_us").write_text(str(int(cpu_limit * period)))
                    (d / "cpu.shares").write_text(str(max(2, int(1024 * cpu_guarantee))))
                (d / "cgroup.procs").write_text(str(pid))
            self.log.info("labkit: %s's server (pid %s) in cgroup %s: memory %s, %.2g CPU (share %.2g CPU)",
                          self.user, pid, CGROUP_NAME, MEM, cpu_limit, cpu_guarantee)
            return True
        except OSError as e:
            self.log.warning("labkit: no cgroup for %s (%s): memory and CPU limits are NOT enforced", self.user, e)
            return False

    def remove(self):
        for d in self.dirs.values():
            try:
                if d.exists():
                    d.rmdir()  # empty once the server and its kernels have exited
            except OSError as e:
                self.log.warning("labkit: cgroup %s not removed: %s", d, e)


class LabkitSpawner(LocalProcessSpawner):
    """LocalProcessSpawner that prepares ~/course and puts the server (and so its kernels) in a cgroup."""

    async def start(self):
        ip_port = await super().start()
        UserCgroup(self.user.name, self.log).attach(self.pid, _bytes(self.mem_limit), self.cpu_limit,
                                                    self.cpu_guarantee)
        return ip_port

    async def stop(self, now=False):
        await super().stop(now=now)
        UserCgroup(self.user.name, self.log).remove()


def prepare_course(spawner):
    """First start: copy the course notebooks to ~/course/notebooks, link the shared labkit jar beside them."""
    import pwd

    pw = pwd.getpwnam(spawner.user.name)
    course = Path(pw.pw_dir) / "course"
    jar_link = course / "labkit" / "target" / "labkit-all.jar"
    if not (course / "notebooks").exists():
        shutil.copytree(HOME / "course" / "notebooks", course / "notebooks")
    jar_link.parent.mkdir(parents=True, exist_ok=True)
    if not jar_link.is_symlink():
        jar_link.symlink_to(HOME / "labkit" / "target" / "labkit-all.jar")
    for root, dirs, files in os.walk(course):
        for name in [root, *(os.path.join(root, n) for n in dirs + files)]:
            os.lchown(name, pw.pw_uid, pw.pw_gid)


c.JupyterHub.spawner_class = LabkitSpawner
c.Spawner.pre_spawn_hook = prepare_course
c.Spawner.mem_limit = MEM
c.Spawner.cpu_limit = CPU
c.Spawner.cpu_guarantee = CPU_GUARANTEE
c.Spawner.notebook_dir = "~/course/notebooks"
c.Spawner.default_url = "/tree"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
c.Spawner.environment = {
    "JUPYTERHUB_SINGLEUSER_APP": "notebook.notebookapp.NotebookApp",  # the classic notebook server
    "JUPYTER_PATH": str(HOME / "share" / "jupyter"),  # where install.sh registered the labkit kernel
    "RJK_MIMA_CACHE": lambda spawner: os.path.join(os.path.expanduser("~" + spawner.user.name), ".cache",
                                                   "labkit-kernel"),
}
for name in ("LABKIT_QUICK", "LABKIT_OFFLINE"):
    if os.environ.get(name):
        c.Spawner.environment[name] = os.environ[name]
c.Spawner.args = [
    "--MappingKernelManager.cull_idle_timeout=%s" % os.environ.get("LABKIT_HUB_KERNEL_IDLE", "1800"),
    "--MappingKernelManager.cull_interval=300",
    "--NotebookApp.shutdown_no_activity_timeout=%s" % os.environ.get("LABKIT_HUB_SERVER_IDLE", "3600"),
]
