"""The runbook for one environment: its params, its SDK clients, and its steps."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from aksegress import connect
from aksegress.apply import ApplyResult, apply_plan
from aksegress.checks import CheckReport, Verdict, matches_desired, provisioned
from aksegress.connection import CONNECTION_ENV
from aksegress.errors import TargetError
from aksegress.facts import Facts
from aksegress.layout import params_path_for, project_root
from aksegress.observe import observe
from aksegress.params import load_params, summary
from aksegress.plan import DELETE, NOT_CREATED_HERE, Plan, plan_changes, retirements
from aksegress.reads import Reads
from aksegress.record import emit
from aksegress.steps import all_steps, find_step
from aksegress.steps.spec import StepSpec


class Runbook:
    """An environment's params bound to its target, emulator or Azure, through the Azure SDK."""

    def __init__(self, params, *, connection=None):
        self.params = params
        self.connection = connection
        self.tally = connect.RequestTally()
        self.facts = Facts(params, self.clients)
        self._clients: dict[str, object] = {}
        self._target: pd.DataFrame | None = None
        self._hub_checked = False

    @classmethod
    def open(cls, env: str | None = None, *, params_file: str | None = None, connection_file: str | None = None) -> "Runbook":
        """Load and validate the params, then bind to the target they name."""
        path = Path(params_file) if params_file else params_path_for(env or "local", project_root())
        params = load_params(path)
        return cls(params, connection=_connection_for(params, connection_file))

    def params_summary(self) -> str:
        return summary(self.params)

    @property
    def target(self) -> str:
        return self.params.target

    def clients(self, subscription_id: str):
        """SDK clients for one subscription; the first use checks the target (``target_subscriptions``), so every entry
        point (a run from any step, teardown, doctor, snapshot) refuses the wrong tenant before acting."""
        made = self._sdk_clients(subscription_id)
        if self._target is None:
            self.target_subscriptions()
        return made

    def _sdk_clients(self, subscription_id: str):
        """Clients built once per subscription, sharing one credential; the first checks that the token is for the
        params' tenant (the token alone says so, before any request)."""
        key = subscription_id.lower()
        if key not in self._clients:
            shared = next(iter(self._clients.values())).credential if self._clients else None
            made = connect.clients_for(subscription_id, connection=self.connection, tenant_id=self.params.tenant_id,
                                       tally=self.tally, credential=shared)
            if shared is None:
                self._check_token_tenant(made)
            self._clients[key] = made
        return self._clients[key]

    def verify_target(self, *, plan_only: bool = False) -> pd.DataFrame:
        """That the identity may do what every step needs where it needs it (only read, for a plan-only run), then the
        target check; step 00 runs it before any write. Permissions come first: an identity with no roles sees no
        subscription, and should hear which actions it lacks. Prints which needs ARM gave no answer to check."""
        from aksegress.permission_check import check_permissions
        from aksegress.steps import all_steps

        preflight = check_permissions(self.params, all_steps(), self._sdk_clients, plan_only=plan_only)
        if preflight.note():
            print(preflight.note())
        self.check_hub()
        return self.target_subscriptions()

    def check_hub(self) -> None:
        """For an existing hub, that the params fit it as it is in Azure (once per runbook, before its first write)."""
        if self.params.hub.existing and not self._hub_checked:
            from aksegress.existing_hub import check_existing_hub

            check_existing_hub(self)
            self._hub_checked = True

    def target_subscriptions(self) -> pd.DataFrame:
        """The token is for the params' tenant, and every subscription the params name is visible to it there."""
        if self._target is not None:
            return self._target
        wanted = {s.lower() for s in self.params.subscription_ids()}
        self._target = self._verified(wanted, self._sdk_clients(next(iter(wanted))))
        return self._target

    def _verified(self, wanted: set[str], clients) -> pd.DataFrame:
        visible = {s["subscriptionId"].lower(): s for s in connect.list_subscriptions(clients)}
        rows, problems = [], []
        for sub in sorted(wanted):
            seen = visible.get(sub)
            tenant = (seen or {}).get("tenantId")
            ok = seen is not None and (tenant or "").lower() == self.params.tenant_id.lower()
            rows.append({"subscription": sub, "name": (seen or {}).get("displayName"), "tenant": tenant,
                         "state": (seen or {}).get("state"), "verdict": "ok" if ok else "MISMATCH"})
            if seen is None:
                problems.append(f"subscription {sub} is not visible to the signed-in identity")
            elif not ok:
                problems.append(f"subscription {sub} belongs to tenant {tenant}, but params.tenant_id is {self.params.tenant_id}")
        if problems:
            raise TargetError("; ".join(problems), hint=self._target_advice())
        return pd.DataFrame(rows)

    def _check_token_tenant(self, clients) -> None:
        from aksegress.acting_identity import ARM_SCOPE, token_claims

        token_tenant = token_claims(clients.credential.get_token(ARM_SCOPE).token).get("tid")
        if token_tenant and token_tenant.lower() != self.params.tenant_id.lower():
            raise TargetError(f"the signed-in identity's token is for tenant {token_tenant}, but params.tenant_id is {self.params.tenant_id}",
                              hint=self._target_advice())

    def _target_advice(self) -> str | None:
        """For the emulator: serve these params' tenant and subscriptions; for Azure, the error's own advice."""
        if self.target != "emulator":
            return None
        env = self.params.environment
        return (f"the emulator answering is not serving these params: stop it and start one for them with "
                f"`aksegress emulator serve --env {env}` (or `--params FILE`), or unset ${CONNECTION_ENV} if it names another emulator")

    def step(self, key: str, **mode) -> "Step":
        """Step ``key`` of this environment; ``mode`` as for ``Step`` (plan_only, run_dir, interactive, auto_apply)."""
        return Step(self, find_step(key), **mode)

    def steps(self) -> list[StepSpec]:
        """The runbook's steps in order (teardown is not one of them)."""
        return all_steps()


class Step:
    """One step of the runbook: desired state, plan, apply, observed state, tables and checks.

    The step owns its mode: ``plan_only`` (nothing is written), ``interactive`` (a person decides in Lab; else the
    parameters do, ``auto_apply`` saying whether a plan is applied), ``run_dir`` (set by ``aksegress run``),
    ``fresh_probes`` (probe again even where an earlier run's result still holds), and ``choices``, what was decided
    on the way, in the step's record.
    """

    def __init__(self, runbook: Runbook, spec: StepSpec, *, plan_only: bool = False, run_dir: str | None = None,
                 interactive: bool = False, auto_apply: bool = True, reads: Reads | None = None, fresh_probes: bool = False):
        self.spec = spec
        self.plan_only = plan_only
        self.run_dir = run_dir or None
        self.interactive = interactive and not self.run_dir
        self.auto_apply = auto_apply
        self.fresh_probes = fresh_probes
        self.choices: list[dict] = []
        self.bind(runbook, reads)

    def bind(self, runbook: Runbook, reads: Reads | None = None) -> None:
        """Point the step at ``runbook`` (another environment, chosen in Lab); plan, apply and reads start over.
        ``reads`` shares another step's lists (the drift check reads the estate once for every step it plans)."""
        self.runbook = runbook
        self.reads = reads or Reads()
        self.params = runbook.params
        self.last_plan: Plan | None = None
        self.last_apply: ApplyResult | None = None
        self._observed: dict | None = None
        self._snapshot = None
        self._ownership = None
        self.change_request: str | None = None
        self._probes = None
        self._tally_start = runbook.tally.snapshot()

    def ownership(self):
        """This environment's record of what it created, bound to this step's run."""
        if self._ownership is None:
            from aksegress.ownership import Ownership

            self._ownership = Ownership.of(self.params, self.runbook.clients, run_dir=self.run_dir)
        return self._ownership

    def probes(self):
        """This step's probe results (``probe_results.ProbeResults``): each probe taken once, or shown from an earlier
        run when the policy allows and nothing it depends on changed."""
        if self._probes is None:
            from aksegress.acting_identity import world_of
            from aksegress.layout import environment_outputs
            from aksegress.ownership import run_label
            from aksegress.probe_results import ProbeResults, reuse_policy

            self._probes = ProbeResults(environment_outputs(self.params.environment), world=world_of(self.params, self.runbook.connection),
                                        run=run_label(self.run_dir), reuse=reuse_policy(self.params, fresh=self.fresh_probes))
        return self._probes

    def desired(self):
        return self.spec.desired(self.params, self.runbook.facts)

    def retired(self) -> list[str]:
        """Resources the params no longer ask for that this step would have made (see ``StepSpec.retired``)."""
        return self.spec.retired(self.params, self.runbook.facts) if self.spec.retired else []

    def observe(self) -> dict[str, dict | None]:
        """The live state of this step's resources, and of the retired ones (read once, until the next apply)."""
        if self._observed is None:
            self._observed = observe([d.id for d in self.desired()] + self.retired(), self.runbook.clients, self.reads)
        return self._observed

    def snapshot(self):
        """The whole environment as the connectivity model sees it (read once, until the next apply)."""
        if self._snapshot is None:
            from aksegress.live import environment_snapshot

            self._snapshot = environment_snapshot(self.runbook, self.reads)
        return self._snapshot

    def refresh(self) -> None:
        """Read the estate again at the next look (after a write, or for a fresh plan)."""
        self._observed = None
        self._snapshot = None
        self.reads.forget()
        if self._probes is not None:
            self._probes.forget()

    def plan(self, *, impact: bool = True) -> Plan:
        """Compare the desired state with what exists; writes nothing. The step's first plan uses what the step has
        read so far; a later one reads anew. ``impact=False`` leaves out the flows it opens and closes."""
        if self.last_plan is not None:
            self.refresh()
        ownership = self.ownership()
        from aksegress.existing_hub import requested

        hub_owners = (lambda d: requested(self.params, d)) if self.params.hub.existing else None
        self.last_plan = plan_changes(self.spec.key, self.desired(), self.observe(), may_change=ownership.may_change, requested=hub_owners)
        self.last_plan.changes += retirements(self.retired(), self.observe(), ownership.owns)
        self.last_plan.impact = self._impact(self.last_plan) if impact else None
        return self.last_plan

    def _impact(self, plan: Plan):
        """The flows the plan opens and closes, when any of its changes is one the connectivity model reads."""
        from aksegress.impact import reachability_impact, touches_model
        from aksegress.planned_before import planned_base

        pending = [c for c in plan.pending if touches_model(c.desired.id)]
        if not pending:
            return None
        changes = [(c.action, c.desired.id, None if c.action == "delete" else c.body_to_send()) for c in pending]
        base, changes = planned_base(self, changes)
        return reachability_impact(self.params, base, changes)

    def apply(self, plan: Plan | None = None, *, on_wait=None) -> ApplyResult:
        """Carry out the plan's changes (none in a plan-only run), after the step's own pre-flight checks;
        ``on_wait(names)`` hears what each wave of long operations is waiting on."""
        plan = plan or self.last_plan or self.plan()
        if self.plan_only:
            self.last_apply = ApplyResult(self.spec.key, skipped=True)
            return self.last_apply
        try:
            if plan.pending:
                self.runbook.check_hub()
            if self.spec.precheck and plan.pending:
                self.spec.precheck(self, plan)
            self.last_apply = apply_plan(plan, self.runbook.clients, on_wait=on_wait, ownership=self.ownership())
        except Exception as exc:
            done = set(getattr(exc, "applied", None) or [])
            self.last_apply = ApplyResult(self.spec.key, applied=[c for c in plan.pending if c.desired.id in done])
            self.record(CheckReport(self.spec.key, [], skipped_reason=f"apply failed: {str(exc).splitlines()[0]}"))
            raise
        if plan.pending:
            self.refresh()
        if plan.requested:
            self._wait_for_hub_owners(plan)
        return self.last_apply

    def _wait_for_hub_owners(self, plan: Plan) -> None:
        """Write the change request with the run's record and stop the step: the hub's owners make the rest."""
        from aksegress.change_request import MD_FILE, change_request, write_change_request
        from aksegress.errors import WaitingForHubOwners
        from aksegress.impact import reachability_impact
        from aksegress.layout import environment_outputs

        document = change_request(self.runbook, self.reads)
        wanted = [("put", r["id"], r["body"]) for r in document["requests"]]
        document["opens"] = reachability_impact(self.params, self.snapshot(), wanted).lines() if wanted else []
        path = write_change_request(self.run_dir or environment_outputs(self.params.environment), document)
        self.change_request = str(path)
        names = ", ".join(c.desired.readable_name for c in plan.requested)
        self.record(CheckReport(self.spec.key, [], skipped_reason=f"waiting for the hub owners: {MD_FILE}"))
        raise WaitingForHubOwners(
            f"step {self.spec.key} needs {len(plan.requested)} change(s) in hub {self.params.hub.vnet.name} that only its owners may "
            f"make ({names}); the change request ({len(document['requests'])} request(s) in all) is {path}",
            change_request=str(path),
            hint=f"send {MD_FILE} to the hub's owners (or apply the requests in {Path(path).with_suffix('.json').name} as one of them); "
                 f"once applied, re-run `aksegress run --env {self.params.environment}`: it checks them and carries on")

    def verify_target(self) -> pd.DataFrame:
        """The runbook's target and permissions check, in this step's mode (a plan-only run needs only reads)."""
        return self.runbook.verify_target(plan_only=self.plan_only)

    def table(self, name: str) -> pd.DataFrame:
        """A state table of this step, from the live state."""
        try:
            build = self.spec.tables[name]
        except KeyError:
            raise KeyError(f"step {self.spec.key} has no table {name!r}; it has: {', '.join(self.spec.tables)}") from None
        return build(self)

    def verify(self) -> CheckReport:
        """Compare the live state (as read since the last apply or refresh) with the desired state and the step's rules."""
        if self.plan_only:
            return CheckReport(self.spec.key, [], skipped_reason="plan-only run: nothing was applied")
        desired = self.desired()
        observed = self.observe()
        waiting = {d.id.lower() for d in desired if not d.wait}
        verdicts = matches_desired(desired, observed) + provisioned({k: v for k, v in observed.items() if k not in waiting})
        verdicts += [Verdict(f"{c.desired.kind.label} {c.desired.readable_name} removed (the params no longer ask for it)",
                             observed.get(c.desired.id.lower()) is None, "deleted" if observed.get(c.desired.id.lower()) is None else "still exists")
                     for c in (self.last_apply.applied if self.last_apply else []) if c.action == DELETE]
        if self.spec.checks:
            verdicts += self.spec.checks(self)
        return CheckReport(self.spec.key, verdicts + unawaited_verdicts(self.last_apply))

    def check(self) -> None:
        """Show and record the verdicts; fail the notebook (``CheckFailed``) when any is false."""
        report = self.verify()
        _show(report)
        record = self.record(report)
        print(_calls_line(record["arm"]))
        if record.get("probes_reused"):
            print(_reused_line(record["probes_reused"]))
        if self.last_apply and self.last_apply.retried:
            print(f"ARM asked apply to retry {len(self.last_apply.retried)} write(s): {', '.join(self.last_apply.retried)}")
        report.raise_if_failed()

    def record(self, report: CheckReport) -> dict:
        """Emit the step's machine-readable record (plan, apply, checks, ARM calls since the last record) for the runner;
        a failed apply emits one too, so the run counts a failed step's calls."""
        counts = self.runbook.tally.since(self._tally_start)
        self._tally_start = self.runbook.tally.snapshot()
        record = {
            "step": self.spec.key,
            "changes": {
                "planned": len(self.last_plan.pending) if self.last_plan else 0,
                "applied": len(self.last_apply.applied) if self.last_apply else 0,
                "plan": [{**c.to_dict(self.spec.key), "diffs": [str(d) for d in c.diffs]}
                         for c in (self.last_plan.changes if self.last_plan else []) if c.pending or c.action == NOT_CREATED_HERE],
            },
            "impact": self.last_plan.impact.to_dict() if self.last_plan and self.last_plan.impact else None,
            "notes": list(self.last_plan.notes) if self.last_plan else [],
            "checks": [v.to_dict() for v in report.verdicts],
            "checks_skipped": report.skipped_reason,
            "choices": list(self.choices),
            "change_request": self.change_request,
            "arm": counts,
        }
        if self._probes is not None and self._probes.reused():
            record["probes_reused"] = self._probes.reused()
        emit(record)
        return record


def unawaited_verdicts(result: ApplyResult | None) -> list:
    """The outcome, so far, of each write the step started without waiting for it: ARM's error when it failed."""
    out = []
    for op in result.unawaited() if result else []:
        detail = {"failed": f"ARM error {op['error']}", "running": "still running in Azure (not waited for)",
                  "succeeded": "finished"}[op["state"]]
        out.append(Verdict(f"{op['kind']} {op['name']}: the write started without waiting has not failed", op["state"] != "failed", detail))
    return out


def _calls_line(arm: dict) -> str:
    retried = f" ({', '.join(arm['retried'])})" if arm.get("retried") else ""
    return (f"ARM calls in this step: {arm['reads']} reads, {arm['writes']} writes, {arm['actions']} actions; "
            f"the SDK retried {arm['retries']} time(s){retried}")


def _reused_line(reused: list[dict]) -> str:
    from aksegress.probe_results import ASK_FRESH

    runs = ", ".join(sorted({r["run"] for r in reused}))
    return (f"{len(reused)} probe result(s) shown from run {runs}, not probed again: every resource each depends on has the "
            f"etag it had then; {reused[0]['why']}. To probe again, {ASK_FRESH}.")


def _show(obj) -> None:
    try:
        from IPython.display import display
    except ImportError:
        print(obj.summary())
        return
    display(obj)


def _connection_for(params, connection_file: str | None):
    """None for Azure; for the emulator, the one a connection file names, else one started in this process."""
    if params.target == "azure":
        return None
    path = connection_file or os.environ.get(CONNECTION_ENV)
    if path:
        return connect.read_connection(path)
    from aksegress.emulator_target import embedded_emulator

    return embedded_emulator(params, project_root())
