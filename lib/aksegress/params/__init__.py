"""The parameters file: pydantic models of what users write, loading with every problem reported at once,
and small derived views (VNets, clusters, address plan) that later layers read.

Validation happens in two passes, both before any call to Azure: the models check each value on its own
(``models``, with pydantic's errors reworded by ``messages``); then ``relations`` checks values against each
other (containment, overlaps, references). The second pass also runs on whichever sections passed the
first, so one load reports problems from both (``validation``). ``loading`` reads the YAML file;
``summary_text`` says what the parameters describe. Where an environment's file lives is ``aksegress.layout``'s
answer, re-exported here as ``params_path_for``.
"""

from aksegress.layout import params_path_for
from aksegress.params.loading import load_params
from aksegress.params.models import FIREWALL_SUBNET, GATEWAY_SUBNET, Params
from aksegress.params.summary_text import summary
from aksegress.params.validation import validate_params

__all__ = ["FIREWALL_SUBNET", "GATEWAY_SUBNET", "Params", "load_params", "params_path_for", "summary", "validate_params"]
