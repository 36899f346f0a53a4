#!/usr/bin/python3
"""labkit grader helper: executes ONE restored notebook in a fresh kernel and prints a JSON result on stdout.

Started by the Java grader (labkit.grade.Executor), never by hand. It is the trusted side: it runs as the
grader's user (inside the grader's network/PID namespace when there is one); only the kernel it starts runs
the student's code, through the launcher named in --kernel-argv (which joins the memory cgroup, sets
rlimits and drops to an unprivileged user). Nothing the kernel writes is read back except the messages it
sends as Jupyter outputs, which the grader treats as untrusted text.

Input: --in NOTEBOOK.json (the notebook to execute). Output (stdout, one JSON document):
  {"status": "completed|cell-timeout|notebook-timeout|kernel-died|output-limit|kernel-start-failed|error",
   "message": str, "failed_cell": int|null, "cells": [{"index", "executed", "seconds"}], "notebook": {...}}
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

START_TIMEOUT = 90
START_ATTEMPTS = 3
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class OutputLimit(Exception):
    """The notebook's outputs went over the cap."""


class CappedClient(NotebookClient):
    """A NotebookClient that stops keeping outputs past a byte cap and then kills the kernel."""

    def __init__(self, *args, max_output_bytes=0, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_output_bytes = max_output_bytes
        self.output_bytes = 0
        self.over_limit = False

    def output(self, outs, msg, display_id, cell_index):
        if self.over_limit:
            return None
        size = len(json.dumps(msg.get("content", {})))
        self.output_bytes += size
        if self.max_output_bytes and self.output_bytes > self.max_output_bytes:
            self.over_limit = True
            outs.append(nbformat.v4.new_output(
                "stream", name="stderr",
                text=f"[labkit grader: output limit of {self.max_output_bytes} bytes reached; kernel stopped]\n"))
            kill_kernel(self)
            return None
        return super().output(outs, msg, display_id, cell_index)


def kill_kernel(client):
    try:
        proc = getattr(client.km.provisioner, "process", None)
        if proc is not None and proc.poll() is None:
            proc.kill()
    except Exception:
        pass


def shutdown(client):
    try:
        client._cleanup_kernel()
    except Exception:
        pass
    kill_kernel(client)


def first_line(text):
    for line in ANSI.sub("", text or "").splitlines():
        if line.strip():
            return line.strip()
    return ""


def bring_loopback_up():
    """In a fresh network namespace only `lo` exists and it is down: the kernel and this client need it."""
    r = subprocess.run(["ip", "link", "set", "lo", "up"], capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"execute_notebook: cannot bring loopback up in the network namespace: {r.stderr.strip()}")


def kernel_log_tail(path, limit=4000):
    try:
        data = Path(path).read_bytes()[-limit:]
        return data.decode("utf-8", "replace")
    except OSError:
        return ""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--in", dest="inp", required=True)
    ap.add_argument("--cwd", required=True, help="kernel working folder")
    ap.add_argument("--kernel-argv", required=True, help="JSON list; {connection_file} is replaced")
    ap.add_argument("--kernel-env", required=True, help="JSON object: the kernel's whole environment")
    ap.add_argument("--runtime-dir", required=True, help="folder for the connection file")
    ap.add_argument("--log", required=True, help="kernel stdout/stderr log")
    ap.add_argument("--cell-timeout", type=int, default=120)
    ap.add_argument("--notebook-timeout", type=int, default=900)
    ap.add_argument("--max-output-bytes", type=int, default=2_000_000)
    ap.add_argument("--loopback", action="store_true", help="bring lo up first (fresh network namespace)")
    args = ap.parse_args()

    if args.loopback:
        bring_loopback_up()
    nb = nbformat.read(args.inp, as_version=4)
    deadline = time.monotonic() + args.notebook_timeout
    spec_dir = Path(tempfile.mkdtemp(prefix="spec-", dir=args.runtime_dir))
    (spec_dir / "labkit-grade").mkdir()
    (spec_dir / "labkit-grade" / "kernel.json").write_text(json.dumps({
        "argv": json.loads(args.kernel_argv), "display_name": "labkit grader sandbox", "language": "java",
        "interrupt_mode": "message", "env": {}}))
    kernel_env = json.loads(args.kernel_env)
    os.environ["JUPYTER_RUNTIME_DIR"] = args.runtime_dir

    result = {"status": "completed", "message": "", "failed_cell": None, "cells": []}
    timings = {}
    completed = set()

    def cell_timeout(cell):
        left = deadline - time.monotonic()
        return max(1, int(min(args.cell_timeout, left)))

    with open(args.log, "ab") as log:
        client = None
        for attempt in range(1, START_ATTEMPTS + 1):
            work = nbformat.from_dict(nb)
            km = KernelManager(kernel_name="labkit-grade",
                               kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(spec_dir)]))
            km.connection_file = str(Path(args.runtime_dir) / f"kernel-{os.getpid()}-{attempt}.json")
            client = CappedClient(work, km=km, timeout_func=cell_timeout, startup_timeout=START_TIMEOUT,
                                  allow_errors=True, record_timing=False, shutdown_kernel="immediate",
                                  max_output_bytes=args.max_output_bytes,
                                  resources={"metadata": {"path": args.cwd}})
            try:
                client.start_new_kernel(cwd=args.cwd, env=kernel_env, stdout=log, stderr=log)
                client.start_new_kernel_client()
                break
            except Exception as e:
                shutdown(client)
                if attempt == START_ATTEMPTS:
                    result.update(status="kernel-start-failed",
                                  message=f"kernel did not start ({first_line(str(e)) or type(e).__name__}); "
                                          f"log: {first_line(kernel_log_tail(args.log))}")
                    result["notebook"] = work
                    print(json.dumps(result))
                    return 0
        try:
            count = 0
            for index, cell in enumerate(work.cells):
                if cell.cell_type != "code":
                    continue
                count += 1
                if time.monotonic() >= deadline:
                    result.update(status="notebook-timeout", failed_cell=index,
                                  message=f"notebook time limit of {args.notebook_timeout}s reached before cell {index}")
                    break
                t0 = time.monotonic()
                try:
                    client.execute_cell(cell, index, execution_count=count)
                except CellTimeoutError:
                    whole = time.monotonic() >= deadline - 1
                    result.update(status="notebook-timeout" if whole else "cell-timeout", failed_cell=index,
                                  message=(f"notebook time limit of {args.notebook_timeout}s reached in cell {index}"
                                           if whole else f"cell {index} ran past the cell time limit of "
                                                         f"{args.cell_timeout}s"))
                    timings[index] = time.monotonic() - t0
                    break
                except DeadKernelError:
                    timings[index] = time.monotonic() - t0
                    if client.over_limit:
                        result.update(status="output-limit", failed_cell=index,
                                      message=f"cell {index} wrote more than {args.max_output_bytes} bytes of output")
                    else:
                        tail = kernel_log_tail(args.log)
                        oom = "OutOfMemoryError" in tail or "Cannot allocate memory" in tail
                        result.update(status="out-of-memory" if oom else "kernel-died", failed_cell=index,
                                      message=f"the kernel died in cell {index}" + (
                                          " (out of memory)" if oom else " (System.exit, a crash or a kill)"))
                    break
                timings[index] = time.monotonic() - t0
                completed.add(index)
                if client.over_limit:
                    result.update(status="output-limit", failed_cell=index,
                                  message=f"cell {index} wrote more than {args.max_output_bytes} bytes of output")
                    break
        except Exception as e:  # never crash without a result
            result.update(status="error", message=f"{type(e).__name__}: {first_line(str(e))}")
        finally:
            shutdown(client)

    for index, cell in enumerate(work.cells):
        if cell.cell_type == "code":
            result["cells"].append({"index": index, "executed": index in completed,
                                    "seconds": round(timings.get(index, 0.0), 3)})
    result["notebook"] = work
    sys.stdout.write(json.dumps(result))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
