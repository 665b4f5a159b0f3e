"""Execute and strip the notebooks so git holds no widget state and no bulky output.

    python .ci/notebooks.py refresh notebooks/00_tour.ipynb ...   # execute (CI=1), then strip
    python .ci/notebooks.py strip notebooks/*.ipynb               # strip only
    python .ci/notebooks.py check notebooks/*.ipynb               # fail if anything would be stripped
    python .ci/notebooks.py same REV notebooks/*.ipynb            # fail unless every stored reference
                                                                  # output equals the one at git REV

Stripping keeps only the text (stream) outputs of cells marked ``# NBVAL_CHECK_OUTPUT`` — the
reference numbers nbval compares against — and removes every other output, execution counts and
widget-state metadata (which would otherwise carry ~5 MB of plotly.js).
"""

import os
import sys

import nbformat

MARK = "# NBVAL_CHECK_OUTPUT"


def strip(nb):
    for cell in nb.cells:
        if cell.cell_type != "code":
            cell.pop("outputs", None)
            cell.pop("execution_count", None)
            continue
        keep = cell.source.lstrip().startswith(MARK)
        cell.outputs = [o for o in cell.outputs if keep and o.output_type == "stream" and o.name == "stdout"]
        # nbval treats a cell without an execution count as unrun and rejects its reference outputs
        cell.execution_count = 1 if cell.outputs else None
        for o in cell.outputs:
            o.pop("metadata", None)
        cell.metadata = {k: v for k, v in cell.metadata.items() if k in ("tags", "jupyter", "collapsed")}
    nb.metadata.pop("widgets", None)
    nb.metadata = {k: v for k, v in nb.metadata.items() if k in ("kernelspec", "language_info")}
    return nb


def execute(path):
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    os.environ.setdefault("CI", "1")
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": os.path.dirname(os.path.abspath(path))}}).execute()
    return nb


def reference_outputs(nb):
    """The stored stdout of every ``# NBVAL_CHECK_OUTPUT`` cell, in order (what nbval compares)."""
    return [["".join(o.get("text", "")) for o in cell.outputs if o.output_type == "stream"]
            for cell in nb.cells if cell.cell_type == "code" and cell.source.lstrip().startswith(MARK)]


def same(rev, paths):
    """Paths whose reference outputs differ from those at git revision ``rev`` (new notebooks pass)."""
    import subprocess

    bad = []
    for path in paths:
        old = subprocess.run(["git", "show", f"{rev}:{path}"], capture_output=True, text=True)
        if old.returncode != 0:
            print(f"{path}: not at {rev} (new), skipped")
            continue
        a = reference_outputs(nbformat.reads(old.stdout, as_version=4))
        b = reference_outputs(nbformat.read(path, as_version=4))
        print(f"{path}: {len(b)} reference outputs, {'identical' if a == b else 'DIFFERENT'} to {rev}")
        if a != b:
            bad.append(path)
    return bad


def main(argv):
    cmd, paths = argv[0], argv[1:]
    if cmd == "same":
        bad = same(paths[0], paths[1:])
        if bad:
            sys.exit(f"reference outputs changed: {', '.join(bad)}")
        return
    bad = []
    for path in paths:
        if cmd == "refresh":
            nb = strip(execute(path))
        else:
            nb = nbformat.read(path, as_version=4)
            before = nbformat.writes(nb)
            nb = strip(nb)
            if cmd == "check":
                if nbformat.writes(nb) != before:
                    bad.append(path)
                continue
        nbformat.write(nb, path)
        print(f"{cmd}: {path} ({os.path.getsize(path)} bytes)")
    if bad:
        sys.exit("notebooks with outputs or widget state to strip (run: python .ci/notebooks.py strip ...): "
                 + ", ".join(bad))


if __name__ == "__main__":
    main(sys.argv[1:])
