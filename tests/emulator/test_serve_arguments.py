"""`aksegress emulator serve` checks its arguments: a bad one is named, the exit code is 2, there is no
traceback and no connection file is left behind."""

from __future__ import annotations

import pytest

from aksegress.cli.emulator import serve_main
from aksegress.emulator import start_emulator
from aksegress.emulator.tls import ca_paths
from tests.emulator.conftest import SUB, TENANT


@pytest.mark.parametrize("argument,value,said", [
    ("--chaos", "1.5", "from 0 to 1"),
    ("--chaos", "-0.1", "from 0 to 1"),
    ("--page-size", "0", "1 or more"),
    ("--port", "99999", "1-65535"),
    ("--port", "eighty", "not a whole number"),
    ("--tenant", "not-a-guid", "is not a GUID"),
    ("--subscription", "1234", "is not a GUID"),
])
def test_a_bad_argument_exits_2_naming_it_without_a_connection_file(tmp_path, capsys, argument, value, said):
    connection = tmp_path / "arm.json"
    with pytest.raises(SystemExit) as exited:
        serve_main(["--state", str(tmp_path / "state.db"), "--connection-file", str(connection), argument, value])
    err = capsys.readouterr().err
    assert exited.value.code == 2
    assert argument in err and said in err
    assert "Traceback" not in err
    assert not connection.exists()


def test_a_directory_as_connection_file_exits_2(tmp_path, capsys):
    with pytest.raises(SystemExit) as exited:
        serve_main(["--state", str(tmp_path / "state.db"), "--connection-file", str(tmp_path)])
    err = capsys.readouterr().err
    assert exited.value.code == 2
    assert "is a directory" in err and "Traceback" not in err


def test_a_corrupt_ca_key_exits_2_with_the_next_step_and_no_connection_file(tmp_path, capsys):
    state = tmp_path / "state.db"
    with start_emulator(state, TENANT, [SUB]):
        pass
    ca_paths(state)[1].write_text("garbage")
    connection = tmp_path / "arm.json"
    assert serve_main(["--state", str(state), "--connection-file", str(connection)]) == 2
    err = capsys.readouterr().err
    assert "cannot be read" in err and "Next:" in err and "Traceback" not in err
    assert not connection.exists()
