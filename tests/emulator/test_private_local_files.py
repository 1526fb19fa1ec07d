"""Kubeconfigs and SSH keys are readable by their owner only: 0600 from the start, and again after they were loosened."""

from __future__ import annotations

import stat

from aksegress.kube import kubeconfig_path, write_user_kubeconfig
from aksegress.local_keys import PRIVATE, ssh_public_key
from tests.emulator.test_aks_provider import aks, cluster, direct_estate  # noqa: F401 - fixtures


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_kubeconfig_is_0600(clients, direct_estate, cluster, tmp_path):  # noqa: F811
    config = write_user_kubeconfig(clients, direct_estate.rg, "aks1", tmp_path, "spoke1")
    assert config.path == kubeconfig_path(tmp_path, "spoke1", "aks1") and _mode(config.path) == 0o600


def test_a_kubeconfig_that_existed_as_0644_is_0600_once_new_credentials_are_written(clients, direct_estate, cluster, tmp_path):  # noqa: F811
    path = kubeconfig_path(tmp_path, "spoke1", "aks1")
    path.write_text("old")
    path.chmod(0o644)
    write_user_kubeconfig(clients, direct_estate.rg, "aks1", tmp_path, "spoke1")
    assert _mode(path) == 0o600 and "token" in path.read_text()


def test_kubeconfigs_of_same_named_clusters_in_two_spokes_are_two_files(clients, direct_estate, cluster, tmp_path):  # noqa: F811
    one = write_user_kubeconfig(clients, direct_estate.rg, "aks1", tmp_path, "spoke1")
    two = write_user_kubeconfig(clients, direct_estate.rg, "aks1", tmp_path, "spoke2")
    assert one.path != two.path and one.path.exists() and two.path.exists()


def test_a_new_ssh_private_key_is_0600(tmp_path):
    ssh_public_key(tmp_path)
    assert _mode(tmp_path / PRIVATE) == 0o600


def test_an_ssh_private_key_loosened_to_0644_is_0600_when_next_used(tmp_path):
    first = ssh_public_key(tmp_path)
    (tmp_path / PRIVATE).chmod(0o644)
    assert ssh_public_key(tmp_path) == first and _mode(tmp_path / PRIVATE) == 0o600
