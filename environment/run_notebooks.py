#!/usr/bin/python3
"""Execute labkit notebooks headless and report one line per notebook.

Run with Debian's Python (it has nbclient/nbconvert):  /usr/bin/python3 environment/run_notebooks.py [PATHS...]

Each notebook runs in its own folder (cwd), with LABKIT_QUICK=1 (--quick, default) or 0 (--full) in the
environment the kernel inherits. The executed .ipynb, an HTML copy and the kernel's own log
(<name>.kernel.log) go to --out. A notebook FAILS on any `error` output, on any `stderr` stream output
(course rule: no error output), on a cell timeout, or when its kernel dies. "cell N" in a report is the
N-th code cell, i.e. the In [N] label of the executed notebook.

A kernel that does not answer at start is retried (twice) as a second line of defence: the LoopThread shim
installed by install-kernel.sh should already prevent that. Exit status 1 if any notebook failed.
"""
import argparse
import os
import re
import sys
import time
from pathlib import Path

try:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
    from nbconvert import HTMLExporter
except ImportError as e:  # pragma: no cover - environment problem
    sys.exit(f"run_notebooks: {e}. Run environment/install-jupyter.sh and use /usr/bin/python3.")

START_TIMEOUT = 60  # seconds for the kernel to answer its first kernel_info request
START_ATTEMPTS = 3  # first try + 2 retries
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class KernelStartError(Exception):
    """The kernel did not start or did not answer in time."""


def find_notebooks(paths):
    found = []
    for p in map(Path, paths):
        if p.is_dir():
            inside = sorted(q for q in p.rglob("*.ipynb") if ".ipynb_checkpoints" not in q.parts)
            if not inside:
                print(f"run_notebooks: no notebooks in '{p}'")
            found += inside
        elif p.suffix == ".ipynb" and p.is_file():
            found.append(p)
        else:
            print(f"run_notebooks: no notebook or folder at '{p}'", file=sys.stderr)
            sys.exit(2)
    return found


def first_line(text):
    for line in ANSI.sub("", text or "").splitlines():
        if line.strip():
            return line.strip()
    return ""


def describe_error(out):
    """'<ename>: <first line of evalue>'; rapaio's evalue is often empty or bare, so add its traceback summary."""
    ename, evalue = out.get("ename", "error"), first_line(out.get("evalue", ""))
    lines = [ANSI.sub("", l).strip() for l in out.get("traceback", [])]
    summary = " ".join(l for l in lines if l and not l.startswith(("|", "at "))).strip()
    if summary and (not evalue or evalue not in summary or ename in ("EvalException", "CompilerException")):
        return f"{ename}: {first_line(summary)}"
    return f"{ename}: {evalue}"


def first_failure(nb):
    """(code cell number, message) of the first cell with error or stderr output, else None."""
    number = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        number += 1
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                return number, describe_error(out)
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                return number, f"stderr: {first_line(out.get('text', ''))}"
    return None


def start_kernel(client, cwd, log):
    """Start the kernel and wait until it answers; leaves nothing running on failure."""
    client.km = client.create_kernel_manager()
    try:
        client.start_new_kernel(cwd=str(cwd), stdout=log, stderr=log)
        client.start_new_kernel_client()  # waits for kernel_info (startup_timeout)
    except BaseException as e:  # KeyboardInterrupt too: never leave a kernel behind
        shutdown(client)
        if not isinstance(e, Exception):
            raise
        raise KernelStartError(first_line(str(e)) or type(e).__name__) from e


def shutdown(client):
    """Stop the kernel and the client's channels, whatever state they are in."""
    try:
        if client.km is not None:
            client._cleanup_kernel()
    except Exception:
        pass
    try:  # last resort: the process itself
        if client.km is not None and client.km.has_kernel:
            client.km.shutdown_kernel(now=True)
    except Exception:
        pass


def run_one(path, out_dir, kernel, timeout):
    """Execute one notebook; return (ok, message, notes, executed notebook)."""
    nb = nbformat.read(str(path), as_version=4)
    cwd = path.resolve().parent
    notes = []
    current = {"cell": 0}

    def on_cell_start(cell, cell_index, **_):
        if cell.cell_type == "code":
            current["cell"] += 1

    ok, message = True, ""
    with open(out_dir / f"{path.stem}.kernel.log", "wb") as log:
        for attempt in range(1, START_ATTEMPTS + 1):
            work = nbformat.from_dict(nb)  # fresh copy per attempt
            client = NotebookClient(
                work, timeout=timeout, startup_timeout=START_TIMEOUT, kernel_name=kernel,
                allow_errors=False, record_timing=True, shutdown_kernel="graceful",
                resources={"metadata": {"path": str(cwd)}}, on_cell_start=on_cell_start)
            try:
                start_kernel(client, cwd, log)
            except KernelStartError as e:
                retry = ", retrying" if attempt < START_ATTEMPTS else ""
                notes.append(f"kernel start {attempt}/{START_ATTEMPTS} failed ({e}){retry}")
                if attempt == START_ATTEMPTS:
                    return False, f"kernel did not start: {e}", notes, work
                continue
            try:
                current["cell"] = 0
                client.execute()  # reuses the started kernel, shuts it down at the end
            except CellTimeoutError:
                ok, message = False, f"cell {current['cell']}: timeout after {timeout}s"
            except DeadKernelError:
                ok, message = False, f"cell {current['cell']}: kernel died (out of memory?)"
            except CellExecutionError:
                pass  # the error output is in the notebook; reported below
            except Exception as e:  # anything else: report, never crash the whole run
                ok, message = False, f"cell {current['cell']}: {type(e).__name__}: {first_line(str(e))}"
            finally:
                shutdown(client)
            if ok:
                failure = first_failure(work)
                if failure:
                    ok, message = False, f"cell {failure[0]}: {failure[1]}"
            return ok, message, notes, work


def trust(nb):
    """Executed here by this user, so mark it trusted (as `jupyter trust` does): Jupyter then runs its chart scripts
    when the executed notebook is opened, instead of hiding them as it does for notebooks from elsewhere."""
    try:
        from nbformat.sign import NotebookNotary
        NotebookNotary().sign(nb)
    except Exception as e:  # no writable Jupyter data folder: the notebook is still fine, only untrusted
        print(f"  (executed notebook not marked trusted: {type(e).__name__}: {first_line(str(e))})")


def write_outputs(nb, path, out_dir):
    trust(nb)
    nbformat.write(nb, str(out_dir / f"{path.stem}.ipynb"))
    try:
        html, _ = HTMLExporter().from_notebook_node(nb)
        (out_dir / f"{path.stem}.html").write_text(html, encoding="utf-8")
    except Exception as e:
        print(f"  (no HTML copy: {type(e).__name__}: {first_line(str(e))})")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("paths", nargs="*", default=["notebooks"], help="notebooks or folders (default notebooks/)")
    ap.add_argument("--out", default="build/notebooks", help="output folder (default build/notebooks)")
    ap.add_argument("--timeout", type=int, default=None,
                    help="seconds per cell (default 1800 in quick mode, 21600 in full mode: the project notebook's "
                         "training cell alone runs 4 trainings of 10 epochs, ~40 min on 2 cores)")
    ap.add_argument("--kernel", default="java", help="kernel name (default java)")
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--quick", dest="quick", action="store_true", default=None, help="LABKIT_QUICK=1 (default)")
    mode.add_argument("--full", dest="quick", action="store_false", help="LABKIT_QUICK=0: the full course run")
    args = ap.parse_args()

    quick = args.quick if args.quick is not None else os.environ.get("LABKIT_QUICK", "1") != "0"
    if args.timeout is None:
        args.timeout = 1800 if quick else 21600
    os.environ["LABKIT_QUICK"] = "1" if quick else "0"  # inherited by every kernel we start
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")

    notebooks = find_notebooks(args.paths)
    if not notebooks:
        print("notebooks: 0 passed, 0 failed")
        return 0
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    print(f"running {len(notebooks)} notebook(s), {'quick' if quick else 'full'} mode, kernel '{args.kernel}'",
          flush=True)

    failed = 0
    width = max(len(p.stem) for p in notebooks)
    for path in notebooks:
        t0 = time.monotonic()
        ok, message, notes, nb = run_one(path, out_dir, args.kernel, args.timeout)
        write_outputs(nb, path, out_dir)
        seconds = time.monotonic() - t0
        for note in notes:
            print(f"  {path.stem}: {note}")
        status = "OK" if ok else f"FAILED {message}"
        print(f"{path.stem:<{width}}  {seconds:6.1f}s  {status}", flush=True)
        failed += not ok

    print(f"executed notebooks and HTML copies: {out_dir.resolve()}")
    print(f"notebooks: {len(notebooks) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # kernels were shut down on the way out (finally blocks)
        print("run_notebooks: interrupted", file=sys.stderr)
        sys.exit(130)
