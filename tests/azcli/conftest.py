"""Fixtures: an emulator holding a hub-and-spoke estate built through the SDK, and the real `az` logged in to it.

`az` runs from .venv-az (built by `make setup-az`, which `make test` depends on) with a private HOME and
AZURE_CONFIG_DIR, trusting the emulator's CA, registered as a custom cloud and signed in as the emulator's
service principal. Its secret travels on az's argv only. Without .venv-az/bin/az these tests fail, unless
AKSEGRESS_SKIP_AZCLI=1 says to skip them.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from aksegress.apply import apply_plan
from aksegress.connect import Clients
from aksegress.desired.firewall import firewall
from aksegress.desired.firewall_rules import egress_rules
from aksegress.desired.hub_and_spokes import networks
from aksegress.desired.prerequisites import resource_groups
from aksegress.desired.route_tables import route_tables
from aksegress.emulator import start_emulator
from aksegress.params import validate_params
from aksegress.plan import plan_changes

REPO = Path(__file__).resolve().parents[2]
AZ = REPO / ".venv-az" / "bin" / "az"
CLOUD = "AksegressEmulator"
AZ_TIMEOUT = 300


def estate_params():
    """The local params cut to two subscriptions: hub in one, spoke1 and spoke2 in the other; no VPN gateway."""
    data = yaml.safe_load((REPO / "params" / "local.yaml").read_text())
    data["spokes"].pop("spoke3")
    data["spokes"]["spoke2"]["subscription_id"] = data["spokes"]["spoke1"]["subscription_id"]
    data["hub"].pop("vpn_gateway")
    return validate_params(data, "tests/azcli")


@dataclass
class AzResult:
    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    def json(self):
        assert self.returncode == 0, f"az {' '.join(self.args)} failed ({self.returncode}):\n{self.stderr}"
        return json.loads(self.stdout) if self.stdout.strip() else None


class AzCli:
    """The installed `az`, run as a subprocess in an isolated profile that trusts the emulator."""

    def __init__(self, home: Path, ca_cert: str):
        config = home / ".azure"
        config.mkdir(parents=True, exist_ok=True)
        inherited = {k: v for k, v in os.environ.items()
                     if not k.upper().startswith(("AZURE_", "AZ_", "ARM_", "MSAL_", "REQUESTS_", "KUBECONFIG"))}
        self.env = {**inherited, "HOME": str(home), "AZURE_CONFIG_DIR": str(config), "REQUESTS_CA_BUNDLE": ca_cert,
                    "AZURE_CORE_INSTANCE_DISCOVERY": "false", "AZURE_CORE_COLLECT_TELEMETRY": "false",
                    "AZURE_CORE_SURVEY_MESSAGE": "false", "AZURE_CORE_NO_COLOR": "true", "AZURE_CORE_OUTPUT": "json",
                    "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
        self.home = home

    def run(self, *args: str) -> AzResult:
        done = subprocess.run([str(AZ), *args], env=self.env, cwd=self.home, capture_output=True, text=True,
                              timeout=AZ_TIMEOUT, stdin=subprocess.DEVNULL)
        return AzResult(args, done.returncode, done.stdout, done.stderr)

    def json(self, *args: str):
        """The command's JSON output; fails the test with az's stderr when the command fails."""
        return self.run(*args).json()


def require_az() -> None:
    if AZ.exists():
        return
    message = f"azure-cli is not installed at {AZ.relative_to(REPO)}: run `make setup-az` (`make test` does it first)"
    if os.environ.get("AKSEGRESS_SKIP_AZCLI") == "1":
        pytest.skip(message + "; skipped because AKSEGRESS_SKIP_AZCLI=1")
    pytest.fail(message, pytrace=False)


@pytest.fixture(scope="module")
def params():
    return estate_params()


@pytest.fixture(scope="module")
def emulator(tmp_path_factory, params):
    state = tmp_path_factory.mktemp("emulator") / "arm.db"
    with start_emulator(state, params.tenant_id, params.subscription_ids()) as running:
        yield running


@pytest.fixture(scope="module")
def clients_for(emulator):
    cache: dict[str, Clients] = {}
    return lambda sub: cache.setdefault(sub.lower(), Clients.for_emulator(emulator.connection, sub))


def apply(step: str, desired, clients_for) -> None:
    apply_plan(plan_changes(step, desired, {}), clients_for)


@pytest.fixture(scope="module")
def network_estate(params, clients_for):
    """Resource groups, VNets, subnets, hub-spoke peerings and the spoke route tables (0/0 to the firewall IP)."""
    apply("foundation", resource_groups(params) + networks(params), clients_for)
    apply("route tables", route_tables(params), clients_for)
    return params


@pytest.fixture(scope="module")
def egress_estate(network_estate, clients_for):
    """The hub firewall with its policy, and the rules AKS egress needs."""
    apply("firewall", firewall(network_estate), clients_for)
    apply("egress rules", egress_rules(network_estate), clients_for)
    return network_estate


@pytest.fixture(scope="module")
def az(tmp_path_factory, emulator) -> AzCli:
    """`az` with the emulator registered as the active cloud and its service principal signed in."""
    require_az()
    connection = emulator.connection
    cli = AzCli(tmp_path_factory.mktemp("az-home"), connection.ca_cert)
    cli.json("cloud", "register", "-n", CLOUD, "--endpoint-resource-manager", connection.endpoint)
    cli.json("cloud", "set", "-n", CLOUD)
    signed_in = cli.run("login", "--service-principal", "-u", connection.client_id, f"--password={connection.client_secret}",
                        "--tenant", connection.tenant_id)
    assert signed_in.returncode == 0, f"az login as the emulator's service principal failed:\n{signed_in.stderr}"
    return cli
