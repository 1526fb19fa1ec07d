"""A picture of the estate as observed: hub in the middle, spokes around it, flows labelled by verdict against intent.

Pure: it reads a netmodel Snapshot (built from ARM JSON) and draws SVG with drawsvg; nothing here talks to ARM.
Every element that carries meaning has ``data-*`` attributes (kind, name, state, verdict), so a reader, a test
or a stylesheet can find it without looking at pixels.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import drawsvg as draw

from aksegress.errors import AksegressError
from aksegress.intent import as_intended, reachability, verdict_label
from aksegress.netmodel import Snapshot, TraceResult
from aksegress.netmodel.matrix import Cell, trace_cell

DELIVERED_COLOUR, DENIED_COLOUR, NEUTRAL_COLOUR = "#1e8449", "#c0392b", "#7f8c8d"
PEERING_OK, PEERING_BAD = "#566573", "#d35400"
LINK_COLOUR = "#7d3c98"
WIDTH, HEIGHT = 1120, 860
HUB_CENTRE = (450, 410)
BOX_W = 250
ZONE_X, ZONE_W, ZONE_H = 880, 225, 58
LABEL_STEP, LABELS_IN_BASE = 18, 6
_FONT = "font-family:Segoe UI,Helvetica,Arial,sans-serif"


@dataclass(frozen=True)
class AccessPath:
    """One traced flow drawn on the picture: where from, where to, what the model decided, and whether it is intended."""

    source: str
    destination: str
    result: TraceResult
    intended: bool | None = None

    @property
    def verdict(self) -> str:
        return "delivered" if self.result.delivered else "denied"

    @property
    def label(self) -> str:
        return verdict_label(self.result.delivered, self.intended)

    @property
    def colour(self) -> str:
        """Green when delivered as intended, neutral when denied as intended, red when it differs from intent (or,
        intent unknown, when denied)."""
        matches = as_intended(self.result.delivered, self.intended)
        if matches is None:
            return DELIVERED_COLOUR if self.result.delivered else DENIED_COLOUR
        if not matches:
            return DENIED_COLOUR
        return DELIVERED_COLOUR if self.result.delivered else NEUTRAL_COLOUR

    @property
    def fix(self):
        """The model's fix, only where it moves the network towards intent."""
        return None if as_intended(self.result.delivered, self.intended) else self.result.fix


class Topology:
    """The SVG picture of one snapshot; displays itself in a notebook and in nbconvert HTML."""

    def __init__(self, drawing: draw.Drawing, paths: list[AccessPath], skipped: list[str]):
        self.drawing = drawing
        self.paths = paths
        self.skipped = skipped

    @property
    def svg(self) -> str:
        return self.drawing.as_svg()

    def _repr_svg_(self) -> str:
        return self.svg

    def _repr_html_(self) -> str:
        """The picture inline, scaled down to the notebook's width (never beyond its own)."""
        fitted = re.sub(r'width="[^"]*" height="[^"]*" viewBox="([^"]*)" style="([^"]*)"',
                        rf'width="100%" viewBox="\1" style="max-width:{WIDTH}px;height:auto;\2"', self.svg, count=1)
        return f"<div class='aksegress-topology' style='max-width:100%'>{fitted[fitted.index('<svg'):]}</div>"

    def save(self, path) -> None:
        self.drawing.save_svg(str(path))


def hub_of(snap: Snapshot):
    """The hub: the VNet holding a firewall, else the one with the most peerings."""
    for fw in snap.firewalls.values():
        if fw.vnet_id in snap.vnets:
            return snap.vnets[fw.vnet_id]
    if not snap.vnets:
        return None
    return max(sorted(snap.vnets.values(), key=lambda v: v.name), key=lambda v: len(v.peering_ids))


def access_pairs(params, snap: Snapshot) -> list[tuple[str, str]]:
    """The (source, destination) labels of the params' access entries: each entry's test VM (or its VNet until the VM
    exists) to the private API server of the cluster it names; by id where another resource has the same name."""
    def shared(table: dict, name: str) -> bool:
        return sum(1 for item in table.values() if item.name.lower() == name.lower()) > 1

    pairs = []
    for cell in reachability(params, snap).granted():
        source, destination, cluster = cell.source.label, cell.destination.label, cell.destination.cluster
        if cell.source.resource_id in snap.vms and shared(snap.vms, source):
            source = cell.source.resource_id
        if cluster is not None and shared(snap.clusters, cluster.name):
            destination = f"cluster:{cluster.id}"
        pairs.append((source, destination))
    return pairs


def trace_paths(snap: Snapshot, pairs: list[tuple[str, str]], port: int = 443, intent=None) -> tuple[list[AccessPath], list[str]]:
    """Trace each (source, destination) pair, joined with ``intent`` (see ``netmodel.matrix``); pairs naming something the
    snapshot lacks are returned as skipped."""
    paths, skipped = [], []
    for source, destination in pairs:
        try:
            paths.append(_path_of(trace_cell(snap, source, destination, port, intent=intent)))
        except AksegressError as error:
            skipped.append(f"{source} -> {destination}: {error.message}")
    return paths, skipped


def draw_topology(snap: Snapshot, pairs: list[tuple[str, str]] | None = None, *, port: int = 443, intent=None,
                  title: str = "") -> Topology:
    """Draw ``snap``; ``pairs`` are (source, destination) flows to trace and colour against ``intent``."""
    paths, skipped = trace_paths(snap, pairs or [], port, intent)
    return _drawn(snap, paths, skipped, title)


def draw_intent(params, snap: Snapshot, *, port: int = 443, title: str = "") -> Topology:
    """Draw ``snap`` with every cell of the params' reachability (each test VM to each cluster API server), labelled
    against the params' intent; an intended denial gets a neutral label and no path."""
    reach = reachability(params, snap, port)
    return _drawn(snap, [_path_of(cell) for cell in reach.cells.values()], list(reach.skipped), title)


def draw_cell(snap: Snapshot, cell: Cell, *, title: str = "") -> Topology:
    """Draw ``snap`` with one traced flow."""
    return _drawn(snap, [_path_of(cell)], [], title)


def _path_of(cell: Cell) -> AccessPath:
    return AccessPath(cell.source.label, cell.destination.label, cell.result, cell.intended)


def _drawn(snap: Snapshot, paths: list[AccessPath], skipped: list[str], title: str) -> Topology:
    picture = _Picture(snap, title, len(paths))
    picture.draw(paths)
    return Topology(picture.canvas, paths, skipped)


class _Picture:
    def __init__(self, snap: Snapshot, title: str, labels: int):
        self.snap = snap
        self.height = HEIGHT + LABEL_STEP * max(0, labels - LABELS_IN_BASE)
        self.canvas = draw.Drawing(WIDTH, self.height, style=_FONT)
        self.canvas.append(draw.Rectangle(0, 0, WIDTH, self.height, fill="white"))
        self.title = title
        self.hub = hub_of(snap)
        spokes = sorted((v for v in snap.vnets.values() if self.hub is None or v.id != self.hub.id), key=lambda v: v.name)
        self.centres = {}
        if self.hub is not None:
            self.centres[self.hub.id] = HUB_CENTRE
        radius_x, radius_y = 330, 295
        for index, vnet in enumerate(spokes):
            angle = -math.pi / 2 + 2 * math.pi * index / max(len(spokes), 1)
            self.centres[vnet.id] = (round(HUB_CENTRE[0] + radius_x * math.cos(angle)),
                                     round(HUB_CENTRE[1] + radius_y * math.sin(angle)))

    def draw(self, paths: list[AccessPath]) -> None:
        self.canvas.append(draw.Text(self.title or "Topology (observed state)", 18, 20, 30, font_weight="bold"))
        self._legend()
        zone_rows = self._zones()
        self._zone_links(zone_rows)
        labels = self._peerings()
        for vnet_id in self.centres:
            self._vnet(self.snap.vnets[vnet_id])
        self.canvas.extend(labels)
        for index, path in enumerate(paths):
            self._path(path, index)

    def _legend(self) -> None:
        items = [(DELIVERED_COLOUR, "delivered (as intended)"), (NEUTRAL_COLOUR, "denied, as intended"),
                 (DENIED_COLOUR, "not as intended (or denied)"), (PEERING_OK, "peering Connected"),
                 (PEERING_BAD, "peering not Connected"), (LINK_COLOUR, "DNS zone link")]
        for index, (colour, text) in enumerate(items):
            y = self.height - 20 - 18 * (len(items) - 1 - index)
            self.canvas.append(draw.Line(20, y - 4, 50, y - 4, stroke=colour, stroke_width=3))
            self.canvas.append(draw.Text(text, 12, 58, y))

    def _vnet(self, vnet) -> None:
        lines = self._contents(vnet)[:10]
        height = 30 + 15 * len(lines)
        cx, cy = self.centres[vnet.id]
        x, y = cx - BOX_W / 2, cy - height / 2
        is_hub = self.hub is not None and vnet.id == self.hub.id
        group = draw.Group(data_kind="vnet", data_name=vnet.name, data_role="hub" if is_hub else "spoke")
        group.append(draw.Rectangle(x, y, BOX_W, height, rx=8, fill="#eaf2f8" if is_hub else "#f4f6f7",
                                    stroke="#2e86c1" if is_hub else "#808b96", stroke_width=2))
        space = ", ".join(str(p) for p in vnet.prefixes)
        group.append(draw.Text(f"{vnet.name}  {space}", 13, x + 8, y + 18, font_weight="bold"))
        for index, (kind, name, text) in enumerate(lines):
            colour = {"firewall": "#b03a2e", "cluster": "#1f618d", "gateway": "#7e5109"}.get(kind, "#273746")
            group.append(draw.Text(text, 11, x + 12, y + 36 + 15 * index, fill=colour, data_kind=kind, data_name=name))
        self.canvas.append(group)

    def _contents(self, vnet) -> list[tuple[str, str, str]]:
        lines = []
        for subnet_id in vnet.subnet_ids:
            subnet = self.snap.subnets[subnet_id]
            table = self.snap.route_tables.get(subnet.route_table_id)
            prefixes = ", ".join(str(p) for p in subnet.prefixes)
            lines.append(("subnet", subnet.name, f"{subnet.name} {prefixes}" + (f" → rt {table.name}" if table else "")))
        for fw in self.snap.firewalls.values():
            if fw.vnet_id == vnet.id:
                lines.append(("firewall", fw.name, f"firewall {fw.name} {fw.private_ip}"))
        for gw in self.snap.gateways.values():
            if gw.vnet_id == vnet.id:
                lines.append(("gateway", gw.name, f"gateway {gw.name}"))
        for cluster in self.snap.clusters.values():
            if any(self.snap.subnets.get(s) and self.snap.subnets[s].vnet_id == vnet.id for s in cluster.node_subnet_ids):
                lines.append(("cluster", cluster.name, f"AKS {cluster.name}" + (" (private)" if cluster.private else "")))
        for vm in self.snap.vms.values():
            try:
                ip, nic = self.snap.vm_primary_ip(vm)
            except (AksegressError, KeyError, IndexError):
                continue
            if self.snap.subnets.get(nic.ips[0][1]) and self.snap.subnets[nic.ips[0][1]].vnet_id == vnet.id:
                lines.append(("vm", vm.name, f"VM {vm.name} {ip}"))
        return lines

    def _peerings(self) -> list:
        labels, seen = [], set()
        for peering in sorted(self.snap.peerings.values(), key=lambda p: p.name):
            if peering.vnet_id not in self.centres or peering.remote_vnet_id not in self.centres:
                continue
            pair = tuple(sorted((peering.vnet_id, peering.remote_vnet_id)))
            back = self.snap.peering(peering.remote_vnet_id, peering.vnet_id)
            connected = back is not None and peering.state == "Connected" and back.state == "Connected"
            (x1, y1), (x2, y2) = self.centres[peering.vnet_id], self.centres[peering.remote_vnet_id]
            dx, dy = _normal(x1, y1, x2, y2, 5 if pair in seen else -5)
            line = draw.Line(x1 + dx, y1 + dy, x2 + dx, y2 + dy, stroke=PEERING_OK if connected else PEERING_BAD,
                             stroke_width=2, stroke_dasharray="" if connected else "6,4", data_kind="peering",
                             data_name=peering.name, data_state=peering.state, data_flags=_flags(peering))
            line.append_title(f"{peering.name}: {peering.state}; flags {_flags(peering) or 'none'} "
                              "(A access, F forwarded traffic, G gateway transit, R remote gateways)")
            self.canvas.append(line)
            if pair in seen:
                continue
            seen.add(pair)
            states = peering.state if back is not None and back.state == peering.state else f"{peering.state}/{back.state if back else 'absent'}"
            text = f"{states} [{_flags(peering)}|{_flags(back) if back else '-'}]"
            labels.append(draw.Text(text, 10, (x1 + x2) / 2, (y1 + y2) / 2 + 4, fill=PEERING_OK if connected else PEERING_BAD,
                                    text_anchor="middle", stroke="white", stroke_width=3, paint_order="stroke",
                                    data_kind="peering-label", data_name=peering.name))
        return labels

    def _zones(self) -> dict[str, float]:
        rows = {}
        for index, zone in enumerate(sorted(self.snap.zones.values(), key=lambda z: z.name)):
            y = 60 + index * (ZONE_H + 14)
            rows[zone.id] = y
            group = draw.Group(data_kind="dns-zone", data_name=zone.name)
            group.append(draw.Rectangle(ZONE_X, y, ZONE_W, ZONE_H, rx=6, fill="#f5eef8", stroke=LINK_COLOUR))
            group.append(draw.Text("private DNS zone", 10, ZONE_X + 6, y + 14, fill=LINK_COLOUR))
            group.append(draw.Text(_shorten(zone.name, 36), 11, ZONE_X + 6, y + 30))
            records = ", ".join(f"{name} {','.join(ips)}" for name, ips in sorted(zone.records.items()))
            group.append(draw.Text(_shorten(records or "no A records", 36), 10, ZONE_X + 6, y + 46, fill="#566573"))
            self.canvas.append(group)
        return rows

    def _zone_links(self, rows: dict[str, float]) -> None:
        for link in sorted(self.snap.links.values(), key=lambda zl: zl.name):
            if link.zone_id not in rows or link.vnet_id not in self.centres:
                continue
            cx, cy = self.centres[link.vnet_id]
            x2, y2 = ZONE_X, rows[link.zone_id] + ZONE_H / 2
            line = draw.Line(cx + BOX_W / 2, cy, x2, y2, stroke=LINK_COLOUR, stroke_width=1.5, stroke_dasharray="2,3",
                             data_kind="dns-link", data_name=link.name, data_state=link.state,
                             data_zone=self.snap.zones[link.zone_id].name, data_vnet=self.snap.vnets[link.vnet_id].name)
            line.append_title(f"zone link {link.name}: {link.state}")
            self.canvas.append(line)

    def _path(self, path: AccessPath, index: int) -> None:
        result = path.result
        fix = f" · fix: {path.fix.change}" if path.fix else ""
        label = draw.Text(_shorten(f"{path.source} → {path.destination} TCP/{result.port}: {result.disposition} · {path.label}{fix}", 118), 12,
                          260, HEIGHT - 110 + LABEL_STEP * index, fill=path.colour, font_weight="bold", data_kind="access-path-label",
                          data_source=path.source, data_destination=path.destination, data_verdict=path.verdict,
                          data_disposition=result.disposition, data_intended=_intended_text(path.intended), data_label=path.label)
        label.append_title(result.explain())
        self.canvas.append(label)
        start = self._centre_of_endpoint(result.hops[0].resource_id if result.hops else "", path.source)
        end = self._centre_of_destination(path.destination) if result.delivered else self._reached(result)
        if start is None or path.colour == NEUTRAL_COLOUR or (result.delivered and (end is None or end == start)):
            return
        reached = "destination" if result.delivered else "hub" if end == HUB_CENTRE else "source" if end in (None, start) else "spoke"
        sx, sy = start[0] + 8 * index, start[1] + 12
        shape = draw.Path(stroke=path.colour, stroke_width=3, fill="none", stroke_dasharray="" if result.delivered else "8,5",
                          data_kind="access-path", data_source=path.source, data_destination=path.destination,
                          data_verdict=path.verdict, data_disposition=result.disposition, data_intended=_intended_text(path.intended),
                          data_label=path.label, data_reached=reached)
        shape.M(sx, sy)
        if reached == "source":
            shape.L(sx + 34, sy - 26)
        elif reached == "destination" and self.hub is not None:
            shape.Q(HUB_CENTRE[0], HUB_CENTRE[1] + 20 * index, end[0] + 8 * index, end[1] + 12)
        else:
            shape.L(end[0] + 8 * index, end[1] + 12)
        shape.append_title(result.explain())
        self.canvas.append(shape)
        if not result.delivered:
            tip = (sx + 34, sy - 26) if reached == "source" else (end[0] + 8 * index, end[1] + 12)
            self.canvas.append(draw.Text("✕", 18, tip[0], tip[1] + 6, fill=path.colour, text_anchor="middle", font_weight="bold",
                                         data_kind="access-path-stop", data_source=path.source, data_destination=path.destination))

    def _reached(self, result: TraceResult):
        """The centre of the VNet where a denied flow stopped: its last hop's VNet, the hub for the firewall."""
        for hop in reversed(result.hops):
            if (hop.resource_id or "").lower() in self.snap.firewalls and self.hub is not None:
                return self.centres.get(self.hub.id)
            vnet_id = self._vnet_of_resource(hop.resource_id)
            if vnet_id in self.centres:
                return self.centres[vnet_id]
        return None

    def _centre_of_endpoint(self, resource_id: str, ref: str):
        vnet_id = self._vnet_of_resource(resource_id) or self._vnet_named(ref)
        return self.centres.get(vnet_id) if vnet_id else None

    def _centre_of_destination(self, ref: str):
        text = ref.split(":", 1)[1] if ref.lower().startswith("cluster:") else ref
        for cluster in self.snap.clusters.values():
            if cluster.name.lower() == text.lower():
                for subnet_id in cluster.node_subnet_ids:
                    if subnet_id in self.snap.subnets:
                        return self.centres.get(self.snap.subnets[subnet_id].vnet_id)
        for vm in self.snap.vms.values():
            if vm.name.lower() == text.lower():
                return self._centre_of_endpoint(vm.id, text)
        vnet_id = self._vnet_named(text)
        return self.centres.get(vnet_id) if vnet_id else None

    def _vnet_of_resource(self, resource_id: str) -> str:
        rid = (resource_id or "").lower()
        if rid in self.snap.subnets:
            return self.snap.subnets[rid].vnet_id
        vm = self.snap.vms.get(rid)
        if vm is not None:
            try:
                _, nic = self.snap.vm_primary_ip(vm)
                return self.snap.subnets[nic.ips[0][1]].vnet_id
            except (AksegressError, KeyError, IndexError):
                return ""
        return ""

    def _vnet_named(self, ref: str) -> str:
        name = ref.split("/", 1)[0].lower()
        return next((v.id for v in self.snap.vnets.values() if v.name.lower() == name), "")


def _intended_text(intended: bool | None) -> str:
    return "unknown" if intended is None else str(intended).lower()


def _flags(peering) -> str:
    return "".join(flag for flag, on in (("A", peering.allow_access), ("F", peering.allow_forwarded),
                                         ("G", peering.allow_gateway_transit), ("R", peering.use_remote_gateways)) if on)


def _normal(x1: float, y1: float, x2: float, y2: float, offset: float) -> tuple[float, float]:
    length = math.hypot(x2 - x1, y2 - y1) or 1.0
    return -(y2 - y1) / length * offset, (x2 - x1) / length * offset


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
