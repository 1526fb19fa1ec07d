"""What Azure RBAC costs the emulator per request: GET latency for its own principal (Owner everywhere, no assignment
read) and for a principal whose grants are read from N role assignments, printed as ratios to the first."""

from __future__ import annotations

import dataclasses
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from azure.mgmt.authorization.v2022_04_01.models import RoleAssignmentCreateParameters  # noqa: E402

from aksegress.connect import Clients  # noqa: E402
from aksegress.emulator import start_emulator  # noqa: E402
from tests.emulator.conftest import raw_request  # noqa: E402

SUB = "5b1d2c3e-1111-4111-8111-111111111111"
READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
REQUESTS = 200


def _per_request(clients: Clients) -> tuple[float, float]:
    """(wall, CPU) seconds per GET; CPU counts client and in-process emulator alike, and is what load disturbs least."""
    clients.resource.resource_groups.get("rg-bench")
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(REQUESTS):
        clients.resource.resource_groups.get("rg-bench")
    return (time.perf_counter() - wall) / REQUESTS, (time.process_time() - cpu) / REQUESTS


def main() -> int:
    with tempfile.TemporaryDirectory() as folder, start_emulator(Path(folder) / "arm.db", None, [SUB]) as emulator:
        owner = Clients.for_emulator(emulator.connection, SUB)
        owner.resource.resource_groups.create_or_update("rg-bench", {"location": "eastus"})
        made = raw_request(emulator.connection, "POST", "/_emulator/principals", body={"name": "bench"}).body
        other = Clients.for_emulator(dataclasses.replace(emulator.connection, client_id=made["clientId"],
                                                         client_secret=made["clientSecret"]), SUB)
        base_wall, base_cpu = _per_request(owner)
        print(f"{'principal':44} {'wall ms':>8} {'CPU ms':>8} {'CPU ratio':>9}")
        print(f"{'emulator principal (Owner, implicit)':44} {base_wall * 1000:8.2f} {base_cpu * 1000:8.2f} {1.0:9.2f}")
        granted = 0
        for target in (1, 10, 100):
            while granted < target:
                group = "rg-bench" if granted == 0 else f"rg-{granted}"
                if granted:
                    owner.resource.resource_groups.create_or_update(group, {"location": "eastus"})
                scope = f"/subscriptions/{SUB}/resourceGroups/{group}"
                owner.authorization.role_assignments.create(scope, str(uuid.uuid4()), RoleAssignmentCreateParameters(
                    role_definition_id=f"/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/{READER}",
                    principal_id=made["objectId"], principal_type="ServicePrincipal"))
                granted += 1
            wall, cpu = _per_request(other)
            print(f"{f'service principal, {target} assignment(s)':44} {wall * 1000:8.2f} {cpu * 1000:8.2f} {cpu / base_cpu:9.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
