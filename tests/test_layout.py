"""Where the project keeps its files: one root, each environment's folders under outputs/<env>, an SSH key made once."""

from __future__ import annotations

import stat

from aksegress.layout import emulator_files, kube_dir, params_path_for, project_root, run_dir, ssh_dir
from aksegress.local_keys import ssh_public_key


def test_the_project_root_is_the_one_aksegress_root_names(tmp_path, monkeypatch):
    monkeypatch.setenv("AKSEGRESS_ROOT", str(tmp_path))
    assert project_root() == tmp_path


def test_without_aksegress_root_the_project_root_is_the_nearest_parent_of_the_cwd_holding_params(tmp_path, monkeypatch):
    (tmp_path / "params").mkdir()
    (tmp_path / "notebooks" / "deep").mkdir(parents=True)
    monkeypatch.delenv("AKSEGRESS_ROOT")
    monkeypatch.chdir(tmp_path / "notebooks" / "deep")
    assert project_root() == tmp_path.resolve()


def test_an_environments_files_all_lie_under_outputs_of_that_environment(tmp_path):
    env = tmp_path / "outputs" / "dev"
    assert emulator_files("dev", tmp_path) == (env / "emulator" / "state.db", env / "emulator" / "connection.json")
    assert (kube_dir("dev", tmp_path), ssh_dir("dev", tmp_path), run_dir("dev", "20261201T000000Z", tmp_path)) == (
        env / "kube", env / "ssh", env / "20261201T000000Z")
    assert params_path_for("dev", tmp_path) == tmp_path / "params" / "dev.yaml"


def test_the_folders_default_to_the_project_root(project):
    assert kube_dir("local") == project / "outputs" / "local" / "kube"


def test_the_ssh_key_pair_is_made_once_and_its_private_half_is_readable_by_its_owner_only(tmp_path):
    first = ssh_public_key(tmp_path / "ssh")
    assert first.startswith("ssh-rsa ") and ssh_public_key(tmp_path / "ssh") == first
    assert stat.S_IMODE((tmp_path / "ssh" / "id_rsa").stat().st_mode) == 0o600
    assert "PRIVATE KEY" not in first
