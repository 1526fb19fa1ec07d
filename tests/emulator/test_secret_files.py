"""Every file holding an emulator secret is readable by its owner only: from creation, whatever the umask,
and also when it existed before with a looser mode."""

from __future__ import annotations

import os
import stat

import pytest

from aksegress.emulator import start_emulator
from aksegress.emulator.tls import ca_paths
from aksegress.errors import EmulatorError
from aksegress.private_files import ensure_private, tighten, write_private
from tests.emulator.conftest import SUB, TENANT


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def open_umask():
    previous = os.umask(0)
    yield
    os.umask(previous)


def test_state_wal_shm_ca_key_and_connection_file_are_created_0600(tmp_path, open_umask):
    state = tmp_path / "state.db"
    with start_emulator(state, TENANT, [SUB], connection_file=tmp_path / "arm.json"):
        secrets = [state, tmp_path / "state.db-wal", tmp_path / "state.db-shm", ca_paths(state)[1], tmp_path / "arm.json"]
        assert {str(p.name): _mode(p) for p in secrets} == {p.name: 0o600 for p in secrets}


def test_looser_state_ca_key_and_connection_file_are_tightened_on_start(tmp_path):
    state = tmp_path / "state.db"
    with start_emulator(state, TENANT, [SUB]):
        pass
    key = ca_paths(state)[1]
    connection = tmp_path / "arm.json"
    connection.write_text("{}")
    for path in (state, key, connection):
        os.chmod(path, 0o644)
    with start_emulator(state, TENANT, [SUB], connection_file=connection):
        assert {p.name: _mode(p) for p in (state, key, connection)} == {p.name: 0o600 for p in (state, key, connection)}


def test_write_private_creates_a_0600_file_under_an_open_umask(tmp_path, open_umask):
    path = write_private(tmp_path / "deep" / "kubeconfig", "secret: yes\n")
    assert path.read_text() == "secret: yes\n"
    assert _mode(path) == 0o600


def test_write_private_tightens_an_existing_0644_file_before_writing(tmp_path):
    path = tmp_path / "kubeconfig"
    path.write_text("old")
    os.chmod(path, 0o644)
    write_private(path, b"new credentials")
    assert (path.read_bytes(), _mode(path)) == (b"new credentials", 0o600)


def test_ensure_private_keeps_content_and_tightens(tmp_path):
    path = tmp_path / "id_rsa"
    path.write_text("key")
    os.chmod(path, 0o664)
    ensure_private(path)
    assert (path.read_text(), _mode(path)) == ("key", 0o600)


def test_tighten_leaves_a_missing_file_missing(tmp_path):
    tighten(tmp_path / "absent")
    assert not (tmp_path / "absent").exists()


def test_a_corrupt_ca_key_is_an_emulator_error_saying_what_to_delete(tmp_path):
    state = tmp_path / "state.db"
    with start_emulator(state, TENANT, [SUB]):
        pass
    ca_paths(state)[1].write_text("not a key")
    with pytest.raises(EmulatorError) as caught:
        start_emulator(state, TENANT, [SUB])
    assert "cannot be read" in caught.value.message
    assert "delete both files" in caught.value.hint
