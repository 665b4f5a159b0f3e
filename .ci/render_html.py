"""Render notebooks to static HTML that needs neither a kernel nor a network (`make html`).

    python .ci/render_html.py OUTPUT_DIR notebooks/*.ipynb

Each notebook is executed (dashboards in their static mode, RFEXPLORE_STATIC=1); then every widget
display is replaced by what it shows that can live without a kernel: the figures (FigureWidgets,
rfexplore's FigureViews and figures drawn into Output widgets) and the text of labels and HTML
readouts. Sliders and buttons are dropped. Figures become interactive plotly HTML (zoom, hover) with
plotly.js embedded once per page.
"""

import base64
import html
import os
import sys
from pathlib import Path

import nbformat
import numpy as np
import plotly.io as pio
from nbclient import NotebookClient
from nbconvert import HTMLExporter

PLOTLY = "application/vnd.plotly.v1+json"
WIDGET = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def _display(data):
    return nbformat.v4.new_output("display_data", data=data)


def _with_buffers(model):
    """The model's state with its binary buffers (numpy arrays sent as bytes) put back as lists."""
    st = model["state"]
    for buffer in model.pop("buffers", []):
        *parent, key = buffer["path"]
        node = st
        for step in parent[:-1]:
            node = node[step]
        spec = node[parent[-1]]  # {"dtype": ..., "shape": ..., key: bytes}
        array = np.frombuffer(base64.b64decode(buffer["data"]), dtype=spec["dtype"])
        node[parent[-1]] = array.reshape(spec.get("shape", array.shape)).tolist()
    return st


def _widget_outputs(model_id, state):
    """What the widget `model_id` shows without a kernel, as notebook outputs, in display order."""
    model = state.get(model_id)
    if model is None:
        return []
    name, st = model["model_name"], _with_buffers(model)
    if "_widget_data" in st:  # plotly FigureWidget
        return [_display({PLOTLY: {"data": st["_widget_data"], "layout": st.get("_widget_layout", {})}})]
    if isinstance(st.get("figure"), dict) and "uid" in st:  # rfexplore's FigureView (its synced figure)
        return [_display({PLOTLY: st["figure"]})]
    if name == "OutputModel":
        return _flatten(st.get("outputs", []), state)
    if name == "LabelModel" and st.get("value"):
        return [_display({"text/plain": st["value"]})]
    if name in ("HTMLModel", "HTMLMathModel") and st.get("value"):
        return [_display({"text/html": st["value"]})]
    outputs = []
    for child in st.get("children", []):  # boxes: "IPY_MODEL_<id>"
        outputs += _widget_outputs(child.removeprefix("IPY_MODEL_"), state)
    return outputs


def _flatten(outputs, state):
    flat = []
    for out in outputs:
        data = out.get("data", {})
        if WIDGET in data:
            flat += _widget_outputs(data[WIDGET]["model_id"], state)
        else:
            flat.append(nbformat.from_dict(out))
    return flat


def make_static(nb):
    """Replace widget displays by their figures and texts, plotly JSON by self-contained HTML."""
    state = nb.metadata.pop("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    first = True
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        cell.outputs = _flatten(cell.outputs, state)
        for out in cell.outputs:
            data = out.get("data", {})
            if PLOTLY in data:
                figure = data.pop(PLOTLY)
                data["text/html"] = pio.to_html(figure, include_plotlyjs=first, full_html=False, validate=False)
                data.pop("text/plain", None)
                first = False
    return nb


def render(path, output_dir):
    nb = nbformat.read(path, as_version=4)
    os.environ["RFEXPLORE_STATIC"] = "1"  # inherited by the kernel
    NotebookClient(nb, timeout=600, kernel_name="python3", store_widget_state=True,
                   resources={"metadata": {"path": str(Path(path).resolve().parent)}}).execute()
    body, _ = HTMLExporter(template_name="lab").from_notebook_node(make_static(nb))
    target = Path(output_dir) / f"{Path(path).stem}.html"
    target.write_text(body, encoding="utf-8")
    return target


def main(argv):
    output_dir, paths = Path(argv[0]), argv[1:]
    output_dir.mkdir(parents=True, exist_ok=True)
    pages = []
    for path in paths:
        target = render(path, output_dir)
        pages.append(target.name)
        print(f"html: {path} -> {target} ({target.stat().st_size // 1024} KB)")
    links = "\n".join(f'<li><a href="{html.escape(p)}">{html.escape(p[:-5])}</a></li>' for p in pages)
    (output_dir / "index.html").write_text(f"<!doctype html>\n<title>rfexplore notebooks</title>\n"
                                           f"<h1>rfexplore notebooks</h1>\n<ul>\n{links}\n</ul>\n")


if __name__ == "__main__":
    main(sys.argv[1:])
