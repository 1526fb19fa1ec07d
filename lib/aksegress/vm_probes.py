"""Proof from inside a VM: name resolution, a TCP connection and an HTTPS request, through VM run-command."""

from __future__ import annotations

from dataclasses import dataclass

from aksegress.arm_json import to_arm

PROBES = {
    "name resolves": "nslookup {host}",
    "TCP 443 answers": "nc -vz -w 5 {host} 443",
    "API server responds": "curl -sk --max-time 10 https://{host}/version",
}


@dataclass(frozen=True)
class ProbeResult:
    vm: str
    probe: str
    command: str
    ok: bool
    output: str


def run_shell(clients, resource_group: str, vm: str, line: str) -> str:
    """One shell line on a Linux VM; returns what run-command reports (stdout and stderr sections)."""
    poller = clients.compute.virtual_machines.begin_run_command(resource_group, vm, {"commandId": "RunShellScript", "script": [line]})
    values = to_arm(poller.result()).get("value") or []
    return "\n".join(v.get("message") or "" for v in values)


def probe(clients, resource_group: str, vm: str, host: str, expect_ip: str) -> list[ProbeResult]:
    """The article's three checks from ``vm`` towards ``host``, each judged from the tool's own output."""
    results = []
    for name, template in PROBES.items():
        command = template.format(host=host)
        output = run_shell(clients, resource_group, vm, command)
        results.append(ProbeResult(vm, name, command, _passed(name, output, expect_ip), _as_text(output)))
    return results


def _as_text(message: str) -> str:
    """Run-command's message as the tool printed it: stdout, then stderr, without run-command's section markers."""
    body = message.replace("Enable succeeded:", "")
    if "[stdout]" not in body and "[stderr]" not in body:
        return body.strip()
    out, _, err = body.partition("[stderr]")
    return "\n".join(part.strip() for part in (out.replace("[stdout]", ""), err) if part.strip())


def _passed(probe_name: str, output: str, expect_ip: str) -> bool:
    if probe_name == "name resolves":
        return f"Address: {expect_ip}" in output and "NXDOMAIN" not in output
    if probe_name == "TCP 443 answers":
        return "succeeded" in output
    return '"gitVersion"' in output or '"kind": "Status"' in output  # any answer, 401 included, means the API server was reached
