"""Issue 15: the runner's kernels start one notebook ahead; each notebook still runs in a fresh kernel of its own,
with an empty namespace although the runbook's libraries are already imported."""

import json

import nbformat
import papermill

from aksegress.kernels import ENGINE, KernelsAhead


def _notebook(folder, name: str, *sources: str):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = folder / name
    nbformat.write(nb, str(path))
    return path


def _run(path, kernel) -> list[str]:
    out = path.with_suffix(".out.ipynb")
    papermill.execute_notebook(str(path), str(out), kernel_name="python3", progress_bar=False, engine_name=ENGINE, km=kernel)
    cells = json.loads(out.read_text())["cells"]
    return ["".join(o.get("text", "")) for c in cells for o in c.get("outputs", [])]


def test_each_notebook_gets_a_fresh_kernel_that_was_started_while_the_one_before_ran(tmp_path):
    first = _notebook(tmp_path, "first.ipynb", "import os\nleft_behind = 1\nprint(os.getpid())")
    second = _notebook(tmp_path, "second.ipynb", "import os, sys\nprint(os.getpid())\n"
                       "print([name in globals() for name in ('left_behind', 'aksegress', 'azure')])\n"
                       "print('aksegress.notebook' in sys.modules)")
    with KernelsAhead(str(tmp_path), ["--IPKernelApp.log_level=ERROR"]) as kernels:
        kernel = kernels.take(more=True)
        waiting = kernels._next
        first_out = _run(first, kernel)
        assert waiting.has_kernel and kernel is not waiting
        kernels.finish(kernel)
        kernel = kernels.take(more=False)
        second_out = _run(second, kernel)
        kernels.finish(kernel)
    assert kernel is waiting
    assert first_out[0] != second_out[0].splitlines()[0]
    assert second_out[0].splitlines()[1:] == ["[False, False, False]", "True"]


def test_kernels_started_ahead_take_no_tcp_port_and_leave_no_socket_behind(tmp_path):
    with KernelsAhead(str(tmp_path), ["--IPKernelApp.log_level=ERROR"]) as kernels:
        kernel = kernels.take(more=False)
        info = kernel.get_connection_info()
        sockets = kernels._sockets
        assert info["transport"] == "ipc" and str(info["ip"]).startswith(str(sockets))
        assert _run(_notebook(tmp_path, "one.ipynb", "print(6 * 7)"), kernel) == ["42\n"]
        kernels.finish(kernel)
    assert not sockets.exists()
