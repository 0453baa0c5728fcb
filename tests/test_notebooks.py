"""The notebooks in ``notebooks/`` run top to bottom without errors, and are committed without outputs.

Each notebook is executed with nbclient in a kernel started with the interpreter running the tests
(``sys.executable``, through a kernelspec written to a temporary folder), so the notebooks see the
same environment as the tests whatever kernels are installed on the machine. The working directory
is the notebooks folder, as in ``jupyter lab``, and the Hugging Face hub is switched off.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

from jupyter_client.kernelspec import KernelSpecManager  # noqa: E402 (after the import checks above)
from jupyter_client.manager import KernelManager  # noqa: E402
from nbclient.exceptions import CellExecutionError  # noqa: E402

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = ["01-quickstart.ipynb", "02-retraining.ipynb", "03-scoring.ipynb"]
#: Seconds one cell may run before the test fails.
CELL_TIMEOUT = 300
#: Name of the kernelspec written to the temporary folder.
KERNEL_NAME = "python3"


def _read(name: str):
    return nbformat.read(NOTEBOOK_DIR / name, as_version=4)


def test_all_notebooks_are_tested() -> None:
    assert sorted(p.name for p in NOTEBOOK_DIR.glob("*.ipynb")) == sorted(NOTEBOOKS)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_is_committed_without_outputs(name: str) -> None:
    nb = _read(name)
    nbformat.validate(nb)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        assert cell.get("outputs") == [], f"{name}: code cell {i} has outputs; strip them before committing"
        assert cell.get("execution_count") is None, f"{name}: code cell {i} has an execution count; strip outputs before committing"
    assert "widgets" not in nb.metadata, f"{name}: widget state in the metadata; strip it before committing"


@pytest.fixture
def kernel_manager(tmp_path: Path) -> Iterator[KernelManager]:
    """A kernel manager that starts ipykernel with the interpreter running the tests (shut down after the test)."""
    spec_dir = tmp_path / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True)
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (tests)",
        "language": "python",
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec))
    specs = KernelSpecManager(kernel_dirs=[str(tmp_path / "kernels")], ensure_native_kernel=False)
    km = KernelManager(kernel_name=KERNEL_NAME, kernel_spec_manager=specs)
    yield km
    if km.has_kernel:  # nbclient leaves a kernel manager it was given running
        km.shutdown_kernel(now=True)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs(name: str, kernel_manager: KernelManager, tmp_path: Path) -> None:
    nb = _read(name)
    client = nbclient.NotebookClient(
        nb,
        km=kernel_manager,
        kernel_name=KERNEL_NAME,
        timeout=CELL_TIMEOUT,
        resources={"metadata": {"path": str(NOTEBOOK_DIR)}},
    )
    env = {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "TMPDIR": str(tmp_path),  # the notebooks' scratch folders (tempfile.mkdtemp) go here
    }
    start = time.perf_counter()
    try:
        client.execute(env=env)
    except CellExecutionError as err:
        pytest.fail(f"{name}: a cell failed\n{err}", pytrace=False)
    print(f"{name}: executed in {time.perf_counter() - start:.1f} s")
