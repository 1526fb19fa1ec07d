"""`params/azure.example.yaml`, its placeholders filled, validates and plans against an emulator holding its
tenant and subscriptions: what a platform team would see from `aksegress run --plan` on day one."""

from aksegress.connection import Connection
from aksegress.emulator import start_emulator
from aksegress.errors import MissingFact
from aksegress.params import load_params
from aksegress.plan import CREATE
from aksegress.runbook import Runbook
from tests.runbook.conftest import REPO

PLACEHOLDERS = {"<tenant-guid>": "7a3c0e52-0000-4000-8000-000000000001", "<connectivity-subscription-guid>": "7a3c0e52-0000-4000-8000-000000000011",
                "<workload-subscription-guid>": "7a3c0e52-0000-4000-8000-000000000012",
                "<monitoring-subscription-guid>": "7a3c0e52-0000-4000-8000-000000000013", "<team>": "platform"}


def test_the_azure_example_plans_every_step_that_needs_no_cluster_as_creates(tmp_path):
    text = (REPO / "params" / "azure.example.yaml").read_text()
    for placeholder, value in PLACEHOLDERS.items():
        text = text.replace(placeholder, value)
    (tmp_path / "dev.yaml").write_text(text)
    params = load_params(tmp_path / "dev.yaml")
    with start_emulator(tmp_path / "arm.db", params.tenant_id, params.subscription_ids(), connection_file=tmp_path / "arm.json"):
        runbook = Runbook(params, connection=Connection.read(tmp_path / "arm.json"))
        assert list(runbook.verify_target()["verdict"]) == ["ok"] * 3
        planned = {}
        for spec in runbook.steps():
            step = runbook.step(spec.key, plan_only=True)
            try:
                plan = step.plan()
            except MissingFact as missing:
                assert spec.number > "05" and missing.step == "05-private-aks", f"{spec.key}: {missing}"
                continue
            assert {c.action for c in plan.pending} <= {CREATE}, f"{spec.key}: {plan.summary()}"
            assert step.apply(plan).skipped
            planned[spec.number] = len(plan.pending)
    assert all(planned[n] for n in ("00", "01", "02", "03", "04", "05"))
