"""Execute one Jupyter notebook headless and export it to HTML.

deepnrc's notebook runner (internal/nbrun) feeds this script to a Python that
has nbclient, nbformat and nbconvert (Debian: python3-nbclient,
jupyter-nbconvert) on standard input:

    python3 - --kernel deepnrc --timeout 600 --cwd DIR \
        --out-ipynb OUT.ipynb --out-html OUT.html [--pidfile FILE] NOTEBOOK.ipynb

It always writes the executed notebook (as far as it got) and its HTML
export, then prints one JSON line on stdout:

    {"status": "ok" | "cell_error" | "timeout" | "dead_kernel" | "runner_error",
     "cell": <index of the failing cell or -1>, "message": "..."}

The exit code is 0 whenever that line was printed; the caller decides.
--timeout is the budget for the whole notebook: each cell gets what is left.
--pidfile receives the kernel's process id once it started: Jupyter starts
kernels in a session of their own, so a caller that must kill this script
also needs that id to kill the kernel.
"""

import argparse
import json
import os
import sys
import tempfile
import time


def write_atomic(path, text):
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=d, prefix="." + os.path.basename(path) + ".tmp-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--kernel", required=True)
    p.add_argument("--timeout", type=float, required=True)
    p.add_argument("--cwd", required=True)
    p.add_argument("--out-ipynb", required=True)
    p.add_argument("--out-html", required=True)
    p.add_argument("--pidfile")
    p.add_argument("notebook")
    a = p.parse_args()

    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    nb = nbformat.read(a.notebook, as_version=4)
    deadline = time.monotonic() + a.timeout
    state = {"cell": -1}

    def on_cell_start(cell, cell_index):
        state["cell"] = cell_index

    def on_notebook_start(notebook):
        pid = getattr(getattr(client.km, "provisioner", None), "pid", None)
        if a.pidfile and pid:
            write_atomic(a.pidfile, "%d\n" % pid)

    def timeout_func(cell):
        return max(1, int(deadline - time.monotonic()))

    client = NotebookClient(
        nb,
        kernel_name=a.kernel,
        timeout_func=timeout_func,
        allow_errors=False,
        record_timing=True,
        resources={"metadata": {"path": a.cwd}},
        on_cell_start=on_cell_start,
        on_notebook_start=on_notebook_start,
    )
    result = {"status": "ok", "cell": -1, "message": ""}
    try:
        client.execute()
    except CellTimeoutError as e:
        result = {"status": "timeout", "cell": state["cell"], "message": str(e)[-2000:]}
    except DeadKernelError as e:
        result = {"status": "dead_kernel", "cell": state["cell"], "message": str(e)[-2000:]}
    except CellExecutionError as e:
        result = {"status": "cell_error", "cell": state["cell"], "message": str(e)[-4000:]}
    except Exception as e:  # kernel failed to start, bad notebook, ...
        result = {"status": "runner_error", "cell": state["cell"], "message": repr(e)[-4000:]}

    write_atomic(a.out_ipynb, nbformat.writes(nb))
    try:
        from nbconvert import HTMLExporter

        body, _ = HTMLExporter().from_notebook_node(nb)
        write_atomic(a.out_html, body)
    except Exception as e:
        if result["status"] == "ok":
            result = {"status": "runner_error", "cell": -1, "message": "HTML export failed: " + repr(e)}
    print(json.dumps(result))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
