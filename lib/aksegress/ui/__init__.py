"""The browser-facing side: decision widgets, the topology picture and progress lines (all headless-safe)."""

from aksegress.ui.progress import Progress
from aksegress.ui.topology import Topology, access_pairs, draw_topology
from aksegress.ui.widgets import ConnectivityCheck, EnvironmentChooser, PlanReview, is_interactive, read_choices

__all__ = ["ConnectivityCheck", "EnvironmentChooser", "PlanReview", "Progress", "Topology", "access_pairs", "draw_topology",
           "is_interactive", "read_choices"]
