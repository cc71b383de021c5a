"""Execute one notebook with nbclient and write its reports (helper of scripts/run-reports.ts).

    /usr/bin/python3 scripts/execute_notebook.py NOTEBOOK REPORTS_DIR RESULT_JSON
        [--kernel NAME] [--timeout SECONDS] [--config NBCONVERT_CONFIG.py]

On success writes REPORTS_DIR/<name>.ipynb and <name>.html and removes stale
<name>.failed.* files. On failure writes <name>.failed.ipynb / <name>.failed.html
(with an error banner and an `error` output on the failing cell) and removes the
stale <name>.ipynb / <name>.html, so nothing that looks complete is left behind.
Every file is written to a temporary name and renamed.

Why not `nbconvert --execute`: when a tslab cell throws, tslab answers
`execute_reply {status: "error"}` without ename/evalue/traceback and sends the
stack only as a `stderr` stream output, so nbconvert fails with an empty message
and writes no notebook. Here the failing cell's stderr text becomes the error.

Prints the notebook's stream outputs live on stdout, and writes a JSON summary
to RESULT_JSON: {ok, error, failed_cell: {index, source, stderr, ename, evalue},
cells, executed_cells, outputs: [...]}.
"""
import argparse
import json
import os
import re
import sys
import tempfile
import time
import traceback

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError


def write_atomic(path, text):
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=d, prefix="." + os.path.basename(path) + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def remove_quietly(*paths):
    for p in paths:
        try:
            os.unlink(p)
        except FileNotFoundError:
            pass


class EchoingClient(NotebookClient):
    """NotebookClient that echoes stream outputs (and display text) live to stdout."""

    def output(self, outs, msg, display_id, cell_index):
        out = super().output(outs, msg, display_id, cell_index)
        try:
            t = msg["msg_type"]
            c = msg["content"]
            if t == "stream":
                sys.stdout.write(c.get("text", ""))
            elif t in ("display_data", "execute_result"):
                data = c.get("data", {})
                kinds = ", ".join(k for k in data if k != "text/plain")
                lines = str(data.get("text/plain", "")).rstrip().splitlines()
                if len(lines) > 20:
                    lines = lines[:20] + ["... (%d more lines)" % (len(lines) - 20)]
                head = "[display%s]" % (" " + kinds if kinds else "")
                if len(lines) <= 1:
                    sys.stdout.write("%s %s\n" % (head, lines[0] if lines else ""))
                else:
                    sys.stdout.write(head + "\n" + "\n".join(lines) + "\n")
            elif t == "error":
                sys.stdout.write("%s: %s\n" % (c.get("ename"), c.get("evalue")))
            sys.stdout.flush()
        except Exception:  # echoing must never break execution
            pass
        return out


ERROR_LINE = re.compile(r"^\s*(?:Uncaught\s+|UncaughtException:\s*|UnhandledPromiseRejection:\s*)?((?:[A-Za-z_$][\w$]*)?(?:Error|Exception|Rejection))(?: \[[^\]]*\])?:\s?(.*)$")


def parse_error(stderr_text):
    """(ename, evalue) from a Node stack printed on stderr; best effort."""
    # The thrown error is printed last (earlier stderr lines may be warnings).
    for line in reversed(stderr_text.splitlines()):
        m = ERROR_LINE.match(line)
        if m:
            return m.group(1), m.group(2).strip()
    # TypeScript diagnostics look like "3:7 - Type 'string' is not assignable ..."
    for line in stderr_text.splitlines():
        if re.match(r"^(\S+ )?\d+:\d+ - ", line):
            return "TypeScriptError", line.strip()
    lines = [l.strip() for l in stderr_text.splitlines() if l.strip()]
    return "Error", (lines[-1] if lines else "cell failed without an error message")


def cell_stderr(cell):
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream" and o.get("name") == "stderr")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("notebook")
    ap.add_argument("reports_dir")
    ap.add_argument("result_json")
    ap.add_argument("--kernel", default="tslab-workbench")
    ap.add_argument("--timeout", type=int, default=1800)
    ap.add_argument("--startup-timeout", type=int, default=120)
    ap.add_argument("--config", default=None)
    ap.add_argument("--cwd", default=None, help="working dir for the kernel (the kernel spec may cd elsewhere)")
    a = ap.parse_args()

    name = os.path.splitext(os.path.basename(a.notebook))[0]
    out_ok_nb = os.path.join(a.reports_dir, name + ".ipynb")
    out_ok_html = os.path.join(a.reports_dir, name + ".html")
    out_bad_nb = os.path.join(a.reports_dir, name + ".failed.ipynb")
    out_bad_html = os.path.join(a.reports_dir, name + ".failed.html")

    result = {"ok": False, "error": None, "failed_cell": None, "cells": 0, "executed_cells": 0, "kernel": a.kernel}
    t0 = time.time()
    nb = nbformat.read(a.notebook, as_version=4)
    code_cells = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.source.strip()]
    result["cells"] = len(code_cells)
    ks = nb.metadata.get("kernelspec", {}).get("name")
    if ks and ks != a.kernel:
        sys.stderr.write("warning: %s declares kernel %r; running it with %r\n" % (a.notebook, ks, a.kernel))

    client = EchoingClient(
        nb,
        timeout=a.timeout,
        startup_timeout=a.startup_timeout,
        kernel_name=a.kernel,
        allow_errors=False,
        record_timing=True,
        resources={"metadata": {"path": a.cwd or os.path.dirname(os.path.abspath(a.notebook))}},
    )
    current = {"index": None}

    def on_cell_execute(cell, cell_index, **_):
        current["index"] = cell_index

    client.on_cell_execute = on_cell_execute
    failure = None  # (index, ename, evalue, detail)
    try:
        client.execute()
    except CellTimeoutError as e:
        failure = (current["index"], "CellTimeoutError", "cell did not finish within %d s (REPORTS_CELL_TIMEOUT)" % a.timeout, str(e))
    except DeadKernelError as e:
        failure = (current["index"], "DeadKernelError", "the kernel died (out of memory? crash? see kernel stderr)", str(e))
    except CellExecutionError as e:
        idx = current["index"]
        err = cell_stderr(nb.cells[idx]) if idx is not None else ""
        ename, evalue = parse_error(err) if (err.strip() or not str(e).strip()) else ("Error", str(e).strip())
        failure = (idx, ename, evalue, err or str(e))
    except Exception as e:  # kernel did not start, no such kernel, ...
        failure = (current["index"], type(e).__name__, str(e) or repr(e), traceback.format_exc())

    async_error = False
    if failure is None:
        # An exception thrown later from a timer or an unawaited promise does not fail
        # the cell that caused it: tslab's process handlers print it on stderr, into
        # whichever cell is running then. Treat that as a failure of that cell.
        for idx, cell in enumerate(nb.cells):
            err = cell_stderr(cell) if cell.cell_type == "code" else ""
            m = re.search(r"^(UncaughtException|UnhandledPromiseRejection):.*$", err, re.M)
            if m:
                ename, evalue = parse_error(err[m.start():])
                async_error = True
                failure = (idx, ename, "%s (thrown asynchronously, reported in this cell's output)" % evalue, err)
                break

    result["executed_cells"] = client.code_cells_executed
    result["seconds"] = round(time.time() - t0, 2)

    if failure is None:
        result["ok"] = True
    else:
        idx, ename, evalue, detail = failure
        result["error"] = "%s: %s" % (ename, evalue)
        if idx is not None:
            cell = nb.cells[idx]
            result["failed_cell"] = {
                "index": idx,
                "number": code_cells.index(idx) + 1 if idx in code_cells else None,
                "source": cell.source,
                "stderr": cell_stderr(cell),
                "ename": ename,
                "evalue": evalue,
            }
            # Give the notebook a proper error output so viewers and the HTML show it.
            cell.outputs = list(cell.get("outputs", [])) + [nbformat.v4.new_output(
                "error", ename=ename, evalue=evalue,
                traceback=["%s: %s" % (ename, evalue)] + ([] if cell_stderr(cell) else detail.splitlines()))]
        else:
            result["failed_cell"] = None
            result["detail"] = detail
        where = ("code cell %s (cell index %d)" % (code_cells.index(idx) + 1 if idx in code_cells else "?", idx)) if idx is not None else "before the first cell"
        banner = nbformat.v4.new_markdown_cell(
            "> **⚠ This report FAILED** at %s: `%s: %s`  \n> %s; see the `npm run reports` output for the full error."
            % (where, ename, evalue.replace("`", "'").replace("\n", " "),
               "All cells ran, but an error was thrown asynchronously" if async_error else "Cells after it were not run"))
        banner.metadata["tags"] = ["run-reports-failure-banner"]
        nb.cells.insert(0, banner)

    # Write the executed notebook and its HTML.
    nb.metadata["run_reports"] = {"ok": result["ok"], "seconds": result["seconds"], "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "error": result["error"]}
    html = None
    try:
        from nbconvert import HTMLExporter
        from traitlets.config import Config
        from traitlets.config.loader import PyFileConfigLoader
        cfg = Config()
        if a.config:
            cfg = PyFileConfigLoader(os.path.basename(a.config), path=os.path.dirname(os.path.abspath(a.config))).load_config()
        exporter = HTMLExporter(config=cfg)
        html, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": name + ("" if result["ok"] else " (FAILED)")}})
    except Exception:
        result["html_error"] = traceback.format_exc()
        if result["ok"]:
            result["ok"] = False
            result["error"] = "HTML conversion failed: " + result["html_error"].strip().splitlines()[-1]

    nb_text = nbformat.writes(nb)
    if result["ok"]:
        write_atomic(out_ok_nb, nb_text)
        write_atomic(out_ok_html, html)
        remove_quietly(out_bad_nb, out_bad_html)
        result["outputs"] = [out_ok_nb, out_ok_html]
    else:
        remove_quietly(out_ok_nb, out_ok_html)
        write_atomic(out_bad_nb, nb_text)
        if html is not None:
            write_atomic(out_bad_html, html)
        else:
            remove_quietly(out_bad_html)
        result["outputs"] = [p for p in (out_bad_nb, out_bad_html) if os.path.exists(p)]

    write_atomic(a.result_json, json.dumps(result, indent=1))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
