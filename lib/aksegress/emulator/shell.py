"""A simulated Linux shell on a VM or node: network probes answer from the connectivity model, as the real tools would.

`run_script(snapshot, source, lines, hostname)` runs each line of a script from `source` (a VM id, or a subnet id
for a node in that subnet) and returns stdout, stderr and the exit status of the last command, like bash would.
Understood: nslookup NAME, dig [+short] NAME, nc [-v] [-z] [-u] [-w N] HOST PORT, curl [-s] [-S] [-k] [-f]
[-m|--max-time N] [--connect-timeout N] [-o FILE] [-w FMT] URL, timeout N bash -c '</dev/tcp/HOST/PORT',
echo (with $?), hostname [-i], true, false, exit N, set -e; joined by ; && || and with 2>&1, >/dev/null, 2>/dev/null.
Names resolve through `netmodel.resolve`, connections through `netmodel.trace`: DNS failures read as name
errors, every other blocked flow (firewall, route, peering, NSG, asymmetric return) as a timeout, except TCP 80/443
that Azure Firewall's application rules deny: the firewall completes the handshake, then resets TLS or answers 470.
"""

from __future__ import annotations

import hashlib
import json
import re
import shlex
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from aksegress.errors import AksegressError
from aksegress.netmodel import Resolution, Snapshot, resolve, trace
from aksegress.netmodel.verdicts import DENIED_BY_FIREWALL

AZURE_DNS = "168.63.129.16"
_NAME_FAILURES = {"DNS_NXDOMAIN"}
_SERVER_FAILURES = {"DNS_LINK_PENDING", "DNS_SERVER_UNREACHABLE"}
_RESERVED_TLDS = {"invalid", "test", "example", "localhost", "local"}
_PROXIED_PORTS = (80, 443)
_FIREWALL_DENY_PAGE = "Action: Deny. Reason: No rule matched. Proceeding with default action."
_SERVICES = {22: "ssh", 53: "domain", 80: "http", 123: "ntp", 443: "https", 9000: "*", 1194: "openvpn"}


@dataclass
class ShellResult:
    stdout: str = ""
    stderr: str = ""
    exit_code: int = 0


@dataclass
class ApiServer:
    """What the simulated curl finds at a private API server address."""

    ip: str
    kubernetes_version: str


@dataclass
class _Out:
    stdout: list[str] = field(default_factory=list)
    stderr: list[str] = field(default_factory=list)


class Shell:
    """One host's view of the network: where its names resolve and where its connections go."""

    def __init__(self, snap: Snapshot, source: str, hostname: str):
        self.snap, self.source, self.hostname = snap, source, hostname
        self.api_servers = {c.api_ip: ApiServer(c.api_ip, (snap.raw[c.id].get("properties") or {}).get("kubernetesVersion") or "")
                            for c in snap.clusters.values() if c.api_ip}
        key = source.lower()
        if key in snap.vms:
            ip, nic = snap.vm_primary_ip(snap.vms[key])
            self.nic, self.ip = nic, ip
            self.vnet = snap.vnets[snap.subnets[nic.ips[0][1]].vnet_id]
        else:
            subnet = snap.subnets[key]
            self.nic, self.ip, self.vnet = None, "", snap.vnets[subnet.vnet_id]

    @property
    def dns_server(self) -> str:
        servers = (self.nic.dns_servers if self.nic and self.nic.dns_servers else None) or self.vnet.dns_servers
        return (servers or [AZURE_DNS])[0]

    def resolve(self, name: str) -> Resolution:
        """Azure DNS as the host sees it; single-label names are the VNet's VM host names, reserved TLDs never exist."""
        labels = name.lower().rstrip(".").split(".")
        if len(labels) == 1 or labels[-1] in _RESERVED_TLDS:
            vm_ip = self._vm_in_vnet(labels[0]) if len(labels) == 1 else ""
            return Resolution(name, "NOERROR", [vm_ip]) if vm_ip else Resolution(name, "NXDOMAIN", failure="DNS_NXDOMAIN")
        return resolve(self.snap, name, vnet=self.vnet, nic=self.nic)

    def _vm_in_vnet(self, host: str) -> str:
        for vm in self.snap.vms.values():
            if vm.name.lower() == host and vm.nic_ids and vm.nic_ids[0] in self.snap.nics:
                ip, subnet_id = self.snap.nics[vm.nic_ids[0]].ips[0]
                if self.snap.subnets[subnet_id].vnet_id == self.vnet.id:
                    return ip
        return ""

    def connect(self, host: str, port: int, protocol: str = "TCP"):
        """(disposition, destination ip, whether the firewall itself answered the handshake) of a connection to HOST:PORT.

        Azure Firewall completes TCP handshakes on 80 and 443 itself when the flow falls to its application rules,
        even when none allows it, and only refuses once it sees the request (docs/network-behaviour.md#45-application-rules).
        """
        if not host.replace(".", "").isdigit():
            answer = self.resolve(host)
            if not answer.ok:
                return answer.failure or "DNS_NXDOMAIN", "", False
            if "." not in host:
                host = answer.addresses[0]
        try:
            result = trace(self.snap, self.source, host, port, protocol)
        except AksegressError:
            return "DNS_NXDOMAIN", "", False
        proxied = (result.disposition == DENIED_BY_FIREWALL and protocol == "TCP" and port in _PROXIED_PORTS
                   and getattr(result.firewall, "phase", "") in ("Application", "Default"))
        return result.disposition, result.destination_ip, proxied

    # -- the script ---------------------------------------------------------------------------------------------
    def run(self, lines: list[str]) -> ShellResult:
        out, status, errexit = _Out(), 0, False
        for number, line in enumerate(lines, start=1):
            try:
                commands = [(_words(text), separator) for text, separator in _split_commands(line)]
            except ValueError:
                out.stderr.append(f"bash: line {number}: unexpected EOF while looking for matching quote\n")
                status = 2
                continue
            run_this = True
            for words, separator in commands:
                words = [w.replace("$?", str(status)) for w in words]
                if words and run_this:
                    if words[:2] == ["set", "-e"]:
                        errexit, status = True, 0
                    elif words[0] == "exit":
                        return self._finish(out, int(words[1]) if len(words) > 1 and words[1].isdigit() else status)
                    else:
                        status = self._command(words, number, out)
                        if errexit and status != 0 and separator not in ("||", "&&"):
                            return self._finish(out, status)
                run_this = separator == ";" or (separator == "&&" and status == 0) or (separator == "||" and status != 0)
        return self._finish(out, status)

    @staticmethod
    def _finish(out: _Out, status: int) -> ShellResult:
        return ShellResult("".join(out.stdout), "".join(out.stderr), status)

    def _command(self, words: list[str], number: int, out: _Out) -> int:
        args, merge, drop_out, drop_err = [], False, False, False
        for word in words:
            if word == "2>&1":
                merge = True
            elif word in (">/dev/null", "1>/dev/null"):
                drop_out = True
            elif word == "2>/dev/null":
                drop_err = True
            elif word == "&>/dev/null":
                drop_out = drop_err = True
            else:
                args.append(word)
        local = _Out()
        status = self._dispatch(args, number, local) if args else 0
        stdout, stderr = "".join(local.stdout), "".join(local.stderr)
        if merge:
            stdout, stderr = stdout + stderr, ""
        if not drop_out:
            out.stdout.append(stdout)
        if not drop_err:
            out.stderr.append(stderr)
        return status

    def _dispatch(self, args: list[str], number: int, out: _Out) -> int:
        name = args[0]
        handlers = {"nslookup": self._nslookup, "dig": self._dig, "nc": self._nc, "curl": self._curl,
                    "timeout": self._timeout, "echo": self._echo, "hostname": self._hostname}
        if name in ("true", ":"):
            return 0
        if name == "false":
            return 1
        if name in handlers:
            return handlers[name](args[1:], number, out)
        out.stderr.append(f"bash: line {number}: {name}: command not found\n")
        return 127

    # -- commands -------------------------------------------------------------------------------------------------
    def _echo(self, args, number, out) -> int:
        newline = True
        if args and args[0] == "-n":
            newline, args = False, args[1:]
        out.stdout.append(" ".join(args) + ("\n" if newline else ""))
        return 0

    def _hostname(self, args, number, out) -> int:
        out.stdout.append(f"{self.ip if args[:1] in (['-i'], ['-I']) else self.hostname}\n")
        return 0

    def _nslookup(self, args, number, out) -> int:
        names = [a for a in args if not a.startswith("-")]
        if not names:
            out.stderr.append("nslookup: interactive mode is not available here\n")
            return 1
        name, server = names[0].rstrip("."), self.dns_server
        header = f"Server:\t\t{server}\nAddress:\t{server}#53\n\n"
        answer = self.resolve(name)
        if answer.failure == "DNS_SERVER_UNREACHABLE":
            out.stdout.append(";; connection timed out; no servers could be reached\n\n")
            return 1
        if not answer.ok:
            status = "SERVFAIL" if answer.failure in _SERVER_FAILURES else "NXDOMAIN"
            out.stdout.append(f"{header}** server can't find {name}: {status}\n\n")
            return 1
        records = "".join(f"Name:\t{name}\nAddress: {a}\n" for a in answer.addresses)
        out.stdout.append(f"{header}Non-authoritative answer:\n{records}\n")
        return 0

    def _dig(self, args, number, out) -> int:
        short = "+short" in args
        names = [a for a in args if not a.startswith(("+", "-", "@")) and a.upper() not in ("A", "IN")]
        if not names:
            out.stderr.append("dig: no name given\n")
            return 1
        name, server = names[0].rstrip("."), self.dns_server
        answer = self.resolve(name)
        if answer.failure == "DNS_SERVER_UNREACHABLE":
            out.stdout.append(f";; communications error to {server}#53: timed out\n" * 3 +
                              ";; no servers could be reached\n")
            return 9
        status = "NOERROR" if answer.ok else ("SERVFAIL" if answer.failure in _SERVER_FAILURES else "NXDOMAIN")
        if short:
            out.stdout.append("".join(f"{a}\n" for a in answer.addresses) if answer.ok else "")
            return 0
        query_id = int(hashlib.sha256(name.encode()).hexdigest()[:4], 16)
        lines = [f"; <<>> DiG 9.18.30-0ubuntu0.24.04.2-Ubuntu <<>> {name}", ";; global options: +cmd", ";; Got answer:",
                 f";; ->>HEADER<<- opcode: QUERY, status: {status}, id: {query_id}",
                 f";; flags: qr rd ra; QUERY: 1, ANSWER: {len(answer.addresses) if answer.ok else 0}, AUTHORITY: 0, ADDITIONAL: 1",
                 "", ";; QUESTION SECTION:", f";{name}.\t\t\tIN\tA", ""]
        if answer.ok:
            lines += [";; ANSWER SECTION:"] + [f"{name}.\t10\tIN\tA\t{a}" for a in answer.addresses] + [""]
        lines += [f";; SERVER: {server}#53({server}) (UDP)", ""]
        out.stdout.append("\n".join(lines) + "\n")
        return 0

    def _nc(self, args, number, out) -> int:
        flags, rest, wait = set(), [], None
        items = iter(args)
        for arg in items:
            if arg.startswith("-") and len(arg) > 1:
                letters = arg[1:]
                for index, letter in enumerate(letters):
                    if letter == "w":
                        wait = letters[index + 1:] or next(items, "")
                        break
                    flags.add(letter)
            else:
                rest.append(arg)
        if len(rest) < 2 or not rest[1].isdigit():
            out.stderr.append("usage: nc [-46CDdFhklNnrStUuvZz] [-w timeout] destination [port]\n")
            return 1
        host, port = rest[0], int(rest[1])
        protocol = "UDP" if "u" in flags else "TCP"
        disposition, ip, proxied = self.connect(host, port, protocol)
        if disposition in _NAME_FAILURES or disposition in _SERVER_FAILURES:
            reason = "Name or service not known" if disposition in _NAME_FAILURES else "Temporary failure in name resolution"
            out.stderr.append(f'nc: getaddrinfo for host "{host}" port {port}: {reason}\n')
            return 1
        if disposition == "DELIVERED" or proxied:
            if "v" in flags:
                service = _SERVICES.get(port, "*")
                shown = f"{host} ({ip})" if host != ip else host
                out.stderr.append(f"Connection to {shown} {port} port [{protocol.lower()}/{service}] succeeded!\n")
            return 0
        if "v" in flags:
            if wait:
                out.stderr.append(f"nc: connect to {host} port {port} ({protocol.lower()}) timed out: Operation now in progress\n")
            else:
                out.stderr.append(f"nc: connect to {host} port {port} ({protocol.lower()}) failed: Connection timed out\n")
        return 1

    def _timeout(self, args, number, out) -> int:
        match = re.search(r"/dev/tcp/([^/\s'\"]+)/(\d+)", " ".join(args[1:]))
        if len(args) < 2 or not match or args[1] != "bash":
            return self._dispatch(args[1:], number, out) if len(args) > 1 else 125
        host, port = match.group(1), int(match.group(2))
        disposition, _, proxied = self.connect(host, port)
        if disposition == "DELIVERED" or proxied:
            return 0
        if disposition in _NAME_FAILURES or disposition in _SERVER_FAILURES:
            reason = "Name or service not known" if disposition in _NAME_FAILURES else "Temporary failure in name resolution"
            out.stderr.append(f"bash: line 1: {host}: {reason}\nbash: line 1: /dev/tcp/{host}/{port}: Invalid argument\n")
            return 1
        return 124

    def _curl(self, args, number, out) -> int:
        options = _curl_options(args)
        if options is None or not options["url"]:
            out.stderr.append("curl: try 'curl --help' or 'curl --manual' for more information\n")
            return 2
        url = urlsplit(options["url"] if "://" in options["url"] else f"http://{options['url']}")
        host, scheme = url.hostname or "", url.scheme.lower()
        port = url.port or (443 if scheme == "https" else 80)
        loud = not options["silent"] or options["show_error"]
        disposition, ip, proxied = self.connect(host, port)

        def failed(code: int, message: str) -> int:
            if options["write_out"]:
                out.stdout.append(_write_out(options["write_out"], 0, ip if proxied else ""))
            return _curl_error(out, loud, code, message)

        if disposition in _NAME_FAILURES or disposition in _SERVER_FAILURES:
            return failed(6, f"Could not resolve host: {host}")
        if proxied and scheme == "https":
            return failed(35, f"OpenSSL SSL_connect: Connection reset by peer in connection to {host}:{port} ")
        if disposition != "DELIVERED" and not proxied:
            limit = options["connect_timeout"] or options["max_time"]
            if limit:
                return failed(28, f"Connection timed out after {int(limit * 1000)} milliseconds")
            return failed(28, f"Failed to connect to {host} port {port} after 133908 ms: Connection timed out")
        api = self.api_servers.get(ip)
        if api and scheme == "https" and not options["insecure"]:
            return failed(60, "SSL certificate problem: unable to get local issuer certificate\n"
                              "More details here: https://curl.se/docs/sslcerts.html")
        code, body = (470, _FIREWALL_DENY_PAGE) if proxied else _api_answer(api, url.path or "/") if api else (200, "")
        if options["fail"] and code >= 400:
            return _curl_error(out, loud, 22, f"The requested URL returned error: {code}")
        if not options["output"] or options["output"] == "-":
            out.stdout.append(body)
        if options["write_out"]:
            out.stdout.append(_write_out(options["write_out"], code, ip))
        return 0


def _write_out(template: str, code: int, ip: str) -> str:
    """curl's -w: the status (000 when no HTTP answer came) and the address it connected to."""
    return template.replace("%{http_code}", f"{code:03d}").replace("%{remote_ip}", ip).replace("\\n", "\n")


def _split_commands(line: str) -> list[tuple[str, str]]:
    """The commands of one line with the separator after each (; && ||), quotes respected."""
    parts, current, quote, index = [], [], "", 0
    while index < len(line):
        char = line[index]
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif line[index:index + 2] in ("&&", "||"):
            parts.append(("".join(current), line[index:index + 2]))
            current, index = [], index + 2
            continue
        elif char == ";":
            parts.append(("".join(current), ";"))
            current, index = [], index + 1
            continue
        current.append(char)
        index += 1
    if quote:
        raise ValueError("unterminated quote")
    parts.append(("".join(current), ";"))
    return parts


def _words(text: str) -> list[str]:
    """shlex words, with a redirection and its file kept together (`> /dev/null` -> `>/dev/null`)."""
    words: list[str] = []
    for word in shlex.split(text, comments=True):
        if words and words[-1] in (">", "1>", "2>", "&>"):
            words[-1] += word
        else:
            words.append(word)
    return words


def _curl_options(args: list[str]) -> dict | None:
    options = {"silent": False, "show_error": False, "insecure": False, "fail": False, "max_time": 0.0,
               "connect_timeout": 0.0, "output": "", "write_out": "", "url": ""}
    long_values = {"--max-time": "max_time", "--connect-timeout": "connect_timeout", "--output": "output", "--write-out": "write_out"}
    short_values = {"m": "max_time", "o": "output", "w": "write_out"}
    flags = {"s": "silent", "S": "show_error", "k": "insecure", "f": "fail"}
    items = iter(args)
    try:
        for arg in items:
            if arg in long_values:
                key = long_values[arg]
                value = next(items)
                options[key] = float(value) if key in ("max_time", "connect_timeout") else value
            elif arg in ("--silent", "--show-error", "--insecure", "--fail"):
                options[{"--silent": "silent", "--show-error": "show_error", "--insecure": "insecure", "--fail": "fail"}[arg]] = True
            elif arg.startswith("-") and not arg.startswith("--") and len(arg) > 1:
                letters = arg[1:]
                for index, letter in enumerate(letters):
                    if letter in short_values:
                        key = short_values[letter]
                        value = letters[index + 1:] or next(items)
                        options[key] = float(value) if key == "max_time" else value
                        break
                    if letter in flags:
                        options[flags[letter]] = True
            elif arg.startswith("--"):
                continue
            else:
                options["url"] = arg
    except (StopIteration, ValueError):
        return None
    return options


def _curl_error(out: _Out, loud: bool, code: int, message: str) -> int:
    if loud:
        out.stderr.append(f"curl: ({code}) {message}\n")
    return code


def _api_answer(api: ApiServer, path: str) -> tuple[int, str]:
    """kube-apiserver's answer to an anonymous request: public health and version paths, 401 elsewhere."""
    path = path.rstrip("/") or "/"
    if path in ("/healthz", "/livez", "/readyz"):
        return 200, "ok"
    if path == "/version":
        major, minor, *_ = (api.kubernetes_version.split(".") + ["0", "0"])
        commit = hashlib.sha1(api.kubernetes_version.encode()).hexdigest()
        return 200, json.dumps({"major": major, "minor": minor, "gitVersion": f"v{api.kubernetes_version}",
                                "gitCommit": commit, "gitTreeState": "clean", "buildDate": "2025-09-10T08:14:41Z",
                                "goVersion": "go1.24.6", "compiler": "gc", "platform": "linux/amd64"}, indent=2) + "\n"
    return 401, json.dumps({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                            "message": "Unauthorized", "reason": "Unauthorized", "code": 401}, indent=2) + "\n"


def run_script(snap: Snapshot, source: str, lines: list[str], hostname: str) -> ShellResult:
    """Run a script's lines from `source` (a VM id, or a subnet id standing for a node in it)."""
    return Shell(snap, source, hostname).run(lines)


def snapshot_of(arm) -> Snapshot:
    """The connectivity model of everything the emulator holds, in every subscription, as GET shows it."""
    records = [r for sub, _, _ in arm.store.subscriptions() for r in arm.store.in_subscription(sub)]
    return Snapshot.from_resources(arm.render(r) for r in records if "/providers/" in r.id)
