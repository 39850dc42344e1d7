"""notebooks/walkthrough.ipynb runs from top to bottom (nbclient, kernel ``python3``)."""

from __future__ import annotations

import nbformat
import pytest
from conftest import REPO
from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
from nbclient import NotebookClient

NOTEBOOK = REPO / "notebooks" / "walkthrough.ipynb"
KERNEL = "python3"


def _kernel_or_fail() -> None:
    """Fail loudly (never skip) when the notebook's kernel is not installed."""
    try:
        KernelSpecManager().get_kernel_spec(KERNEL)
    except NoSuchKernel:
        pytest.fail(f"Jupyter kernel {KERNEL!r} not found: ipykernel installs it into the "
                    "environment (share/jupyter/kernels/python3); run pip install -e \".[test]\" "
                    "in this environment, or python -m ipykernel install --sys-prefix")


def _text(cell: nbformat.NotebookNode) -> str:
    parts = []
    for output in cell.get("outputs", []):
        if output.output_type == "stream":
            parts.append(output.text)
        elif "data" in output:
            parts.append(output.data.get("text/plain", ""))
    return "".join(parts)


def test_walkthrough_executes(tmp_path_factory: pytest.TempPathFactory) -> None:
    _kernel_or_fail()
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == KERNEL
    # no timing here: speed belongs in benchmarks/, and shared machines are noisy
    client = NotebookClient(nb, timeout=600, kernel_name=KERNEL,
                            resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    client.execute()  # raises CellExecutionError, naming the cell, on any error
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    text = "\n".join(_text(cell) for cell in code)
    assert "target 49.8bn = 10.0x last year" in text
    assert "sample_15x" in text and "is out of reach" in text
    assert "compare.xlsx" in text
    images = sum("image/png" in output.get("data", {}) for cell in code
                 for output in cell.outputs)
    assert images >= 4
    assert not [o for cell in code for o in cell.outputs if o.output_type == "error"]
    stderr = [o.text for cell in code for o in cell.outputs
              if o.output_type == "stream" and o.name == "stderr"]
    assert not stderr, stderr
