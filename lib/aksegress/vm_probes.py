"""Proof from inside a VM: name resolution, an HTTPS answer on 443 and the API server's own answer, through VM run-command.

Each probe is judged from the command's own output (run-command's message wraps it in `Enable succeeded:` and
`[stdout]`/`[stderr]` sections whatever the command did). A bare TCP connect proves nothing through Azure Firewall,
which completes handshakes on 80 and 443 itself (docs/network-behaviour.md#45-application-rules), so reaching the
server is judged by an HTTP status coming back over TLS: any status, 401 included.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aksegress.arm_json import to_arm

PROBES = {
    "name resolves": "nslookup {host}",
    "HTTPS answers on 443": "curl -sk -o /dev/null -w '%{{http_code}}' --max-time 10 https://{host}/",
    "API server responds": "curl -sk --max-time 10 https://{host}/version",
}
_SECTIONS = re.compile(r"\[(stdout|stderr)\]\n")


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
        stdout, stderr = command_output(run_shell(clients, resource_group, vm, command))
        results.append(ProbeResult(vm, name, command, probe_passed(name, stdout, expect_ip),
                                   "\n".join(part.strip() for part in (stdout, stderr) if part.strip())))
    return results


def command_output(message: str) -> tuple[str, str]:
    """(stdout, stderr) of the command inside a run-command message, without the extension's own status line and
    section markers (a message without markers is all stdout)."""
    if "[stdout]" not in message and "[stderr]" not in message:
        return message.replace("Enable succeeded:", "").strip(), ""
    parts = _SECTIONS.split(message)
    sections = dict(zip(parts[1::2], parts[2::2]))
    return sections.get("stdout", ""), sections.get("stderr", "")


def probe_passed(probe_name: str, stdout: str, expect_ip: str) -> bool:
    """Whether one probe's own output (``command_output``'s stdout) shows what it looks for: the expected address,
    an HTTP status over TLS, or any answer of the API server."""
    if probe_name == "name resolves":
        return f"Address: {expect_ip}" in stdout and "NXDOMAIN" not in stdout
    if probe_name == "HTTPS answers on 443":
        status = stdout.strip()
        return status.isdigit() and len(status) == 3 and status != "000"
    return '"gitVersion"' in stdout or '"kind": "Status"' in stdout  # any answer, 401 included, means it was reached
