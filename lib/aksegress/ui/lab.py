"""JupyterLab on the runbook without dirtying the tracked notebooks: per-environment working copies, and a save hook.

``make lab`` opens ``outputs/<env>/lab/``, where each step's notebook is a copy with the environment injected as
papermill would (prepare-only, nothing executed); outputs a person produces stay there, never in ``notebooks/``.
A notebook under ``notebooks/`` opened anyway is saved without outputs, execution counts or widget state, so a
save leaves git clean unless its code was edited.
"""

from __future__ import annotations

from pathlib import Path

from aksegress.layout import environment_outputs, project_root

__all__ = ["lab_copies", "prepare_lab", "strip_tracked_outputs"]

TRACKED = "notebooks"
"""The folder of tracked notebooks, relative to the project root (Lab's root_dir)."""


def lab_copies(env: str, root: Path | str | None = None) -> Path:
    """Where Lab's working copies of environment ``env`` live: ``outputs/<env>/lab``."""
    return environment_outputs(env, root) / "lab"


def prepare_lab(env: str, root: Path | str | None = None) -> list[Path]:
    """Write a working copy of every tracked notebook for ``env`` (``env`` injected as a parameter), keeping a copy
    a person has worked in unless the tracked notebook is newer; returns the copies written."""
    import papermill

    root = Path(root) if root is not None else project_root()
    folder = lab_copies(env, root)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for source in sorted((root / TRACKED).glob("*.ipynb")):
        copy = folder / source.name
        if copy.exists() and copy.stat().st_mtime >= source.stat().st_mtime:
            continue
        papermill.execute_notebook(str(source), str(copy), parameters={"env": env}, prepare_only=True, progress_bar=False,
                                   log_output=False, cwd=str(folder))
        written.append(copy)
    return written


def strip_tracked_outputs(model: dict, path: str, **_) -> None:
    """Jupyter's ``pre_save_hook``: a tracked notebook is saved as it is kept in git, without outputs, run state or the
    kernel's version details."""
    if model.get("type") != "notebook" or not str(path).strip("/").startswith(f"{TRACKED}/"):
        return
    notebook = model["content"]
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        cell.get("metadata", {}).pop("execution", None)
    metadata = notebook.setdefault("metadata", {})
    metadata.pop("widgets", None)
    if isinstance(metadata.get("language_info"), dict):
        metadata["language_info"] = {"name": metadata["language_info"].get("name", "python")}
