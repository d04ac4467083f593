"""permissions.md: who is granted what and why, pre-flight checks, what is missing until apply, a
Mermaid diagram, warnings and the registration command. Pure (Plan in, text out) and deterministic,
so a synth is reproducible byte for byte."""

from __future__ import annotations

from typing import TYPE_CHECKING

from taskdef.input import arns
from taskdef.model.plan import ECS_TASKS, Plan, Role, Statement
from taskdef.model.rendered import deployer_policy_arn, role_arn
from taskdef.output.names import RENDERED_TASK_DEFINITION_FILE
from taskdef.output.proof_section import proof_section
from taskdef.output.report_text import (
    Messages,
    cell,
    deployer_kind,
    md_text,
    messages,
    pass_only,
    role_kind,
    trust_managed,
)
from taskdef.text.i18n import DEFAULT_LANGUAGE

if TYPE_CHECKING:
    from taskdef.proof.authz import Proof


def _mermaid_label(text: str) -> str:
    return '"' + text.replace('"', "#quot;") + '"'


def _attached_policy(plan: Plan, role: Role) -> str | None:
    """Name of the inline policy the stack puts on the role, or None (as components/iam_role.py decides)."""
    return role.policy_name if role.attach_policies and role.statements else None


def _resource_note(plan: Plan, ref: str | None, m: Messages) -> str:
    if ref is None:
        return ""
    kind = ref.partition(":")[0]
    if kind == "role":
        return m("note_role_managed" if plan.settings.roles.mode != "external" else "note_role_existing")
    return m({"log_group": "note_log_group", "secret": "note_secret"}[kind])


def _statement(plan: Plan, s: Statement, m: Messages, *, granted: bool = True) -> list[str]:
    """``granted``: False for statements the stack does not attach, whose resource notes would mislead."""
    out = [f"#### `{s.sid}`", ""]
    if s.service_principals:
        out.append(f"- {m('principals')}:")
        out += [f"  - `Service`: `{p}`" for p in s.service_principals]
    out.append(f"- {m('actions')}:")
    out += [f"  - `{a}`" for a in s.actions]
    if s.resources:
        out.append(f"- {m('resources')}:")
        notes: dict[str, str] = {}
        for r in s.resources:  # one line per ARN, as the synthesized document lists each once
            notes.setdefault(r.arn, _resource_note(plan, r.ref, m) if granted else "")
        out += [f"  - `{arn}`" + (f" ({note})" if note else "") for arn, note in notes.items()]
    if s.conditions:
        out.append(f"- {m('conditions')}:")
        out += [f"  - `{c.test}` `{c.variable}`: " + ", ".join(f"`{v}`" for v in c.values) for c in s.conditions]
    out.append(f"- {m('why')}:")
    out += [f"  - {md_text(m.say(r))}" for r in s.reasons]
    return out + [""]


def _summary(plan: Plan, m: Messages) -> list[str]:
    d = plan.deployer
    out = [
        m("h_summary"),
        "",
        f"| {m('col_principal')} | ARN | {m('col_policy')} | {m('col_statements')} |",
        "| --- | --- | --- | --- |",
    ]

    def row(kind: str, name: str, arn: str, policy: str, statements: tuple[Statement, ...]) -> str:
        sids = ", ".join(f"`{s.sid}`" for s in statements) or "-"
        return f"| {kind} `{name}` | `{arn}` | {policy} | {sids} |"

    out.append(row(m(deployer_kind(plan)), d.name, d.arn, m("policy_managed", name=d.policy_name), d.statements))
    for role in plan.roles:
        name = _attached_policy(plan, role)
        out.append(
            row(
                m(role_kind(role)),
                role.name,
                role_arn(plan, role),
                m("policy_inline", name=name)
                if name
                else m("policy_not_attached" if role.statements else "policy_none"),
                role.statements,
            )
        )
    return out + [""]


def _diagram(plan: Plan, m: Messages) -> list[str]:
    """Principals -> policies -> resources; a role is also the resource of the deployer's iam:PassRole."""
    nodes: list[str] = []
    edges: list[str] = []
    resource_ids: dict[str, str] = {}  # ARN -> node; roles first, as iam:PassRole targets them
    count = iter(range(1_000_000))

    def resource(arn: str, policy_id: str) -> str:
        # '*' gets a node per policy, so unrelated principals are not drawn as sharing something.
        key = f"{policy_id}:*" if arn == "*" else arn
        if key not in resource_ids:
            resource_ids[key] = f"res{next(count)}"
            nodes.append(f"  {resource_ids[key]}[{_mermaid_label(arn)}]")
        return resource_ids[key]

    def grants(policy_id: str, statements: tuple[Statement, ...], arrow: str) -> None:
        for s in statements:
            for arn in dict.fromkeys(r.arn for r in s.resources):
                edges.append(f"  {policy_id} {arrow}|{_mermaid_label(s.sid)}| {resource(arn, policy_id)}")

    d = plan.deployer
    # A deployer role gets a node id of its own, apart from the role0, role1 ... of the task definition.
    who, label = (
        ("deployer_role", m("dia_role", name=d.name)) if d.kind == "role" else ("user", m("dia_user", name=d.name))
    )
    nodes.append(f"  {who}([{_mermaid_label(label)}])")
    nodes.append(f"  deployer_policy[[{_mermaid_label(m('dia_managed', name=d.policy_name))}]]")
    if d.attach:
        edges.append(f"  {who} -->|{_mermaid_label(m('dia_attached'))}| deployer_policy")
    else:
        edges.append(f"  {who} -.->|{_mermaid_label(m('dia_not_attached'))}| deployer_policy")
    if plan.roles:
        nodes.append(f"  ecs_tasks{{{{{_mermaid_label(ECS_TASKS)}}}}}")
    role_policies: list[tuple[str, Role]] = []
    for i, role in enumerate(plan.roles):
        role_id = f"role{i}"
        resource_ids[role.arn] = role_id
        nodes.append(f"  {role_id}[{_mermaid_label(m('dia_role', name=role.name))}]")
        arrow = "-->" if trust_managed(plan) else "-.->"
        assert role.trust is not None  # every planned role has one (taskdef/model/build.py)
        edges.append(f"  ecs_tasks {arrow}|{_mermaid_label(role.trust.sid + ': sts:AssumeRole')}| {role_id}")
        name = _attached_policy(plan, role)
        if name:
            nodes.append(f"  {role_id}_policy[[{_mermaid_label(m('dia_inline', name=name))}]]")
            edges.append(f"  {role_id} -->|{_mermaid_label(m('dia_attached'))}| {role_id}_policy")
            role_policies.append((f"{role_id}_policy", role))
    grants("deployer_policy", d.statements, "-->")
    for policy_id, role in role_policies:
        grants(policy_id, role.statements, "-->")
    return [m("h_diagram"), "", m("diagram_intro"), "", "```mermaid", "flowchart LR", *nodes, *edges, "```", ""]


def _deployer_section(plan: Plan, m: Messages) -> list[str]:
    d = plan.deployer
    policy = f"`{d.policy_name}` (`{deployer_policy_arn(plan)}`)"
    prefix = "deployer_role" if d.kind == "role" else "user"
    out = [
        f"## {m(deployer_kind(plan))} `{d.name}`",
        "",
        f"- ARN: `{d.arn}`",
        "- " + m(f"{prefix}_attach" if d.attach else f"{prefix}_no_attach", policy=policy),
        "- " + m("standalone"),
        "",
        m("h_policy", name=d.policy_name),
        "",
    ]
    for s in d.statements:
        out += _statement(plan, s, m)
    return out


def _role_section(plan: Plan, role: Role, m: Messages) -> list[str]:
    mode = "pass_only" if pass_only(role) else plan.settings.roles.mode
    out = [
        f"## {m(role_kind(role))} `{role.name}`",
        "",
        f"- ARN: `{role_arn(plan, role)}`",
        "- " + m("named_by", fields=", ".join(f"`{f}`" for f in role.field_names)),
        "- " + m(f"role_{mode}"),
        "",
    ]
    if role.shared_default_name and role.attach_policies and role.statements:
        # Every other task definition that names this role gains what this stack attaches to it.
        out += [m("shared_role", name=role.name), ""]
        out += [
            f"- {', '.join(f'`{a}`' for a in st.actions)}: {', '.join(f'`{r.arn}`' for r in st.resources)}"
            for st in role.statements
        ]
        out += ["", m("shared_role_fix"), ""]
    if trust_managed(plan):
        assert role.trust is not None  # every planned role has one (taskdef/model/build.py)
        out += [m("h_trust"), ""] + _statement(plan, role.trust, m)
    if not role.statements:
        return out + [m("no_statements"), ""]
    name = _attached_policy(plan, role)
    out += [m("h_policy", name=name), ""] if name else [m("h_required"), "", m("required_intro"), ""]
    for s in role.statements:
        out += _statement(plan, s, m, granted=bool(name))
    if name and role.overflow_statements:
        out += [
            m("h_policy", name=role.overflow_policy_name),
            "",
            m("overflow_note", name=role.overflow_policy_name),
            "",
        ]
        for s in role.overflow_statements:
            out += _statement(plan, s, m)
    return out


def _quotas(plan: Plan, m: Messages) -> list[str]:
    """How close each principal and the task definition are to AWS's quotas, from this stack alone."""
    from taskdef.input.limits import QUOTAS
    from taskdef.model.quotas import usages

    out = [
        m("h_quotas"),
        "",
        m("quotas_intro"),
        "",
        f"| {m('quota_col_what')} | {m('quota_col_quota')} | {m('quota_col_used')} | {m('quota_col_limit')} "
        f"| {m('quota_col_share')} |",
        "| --- | --- | --- | --- | --- |",
    ]
    for u in usages(plan):
        q = QUOTAS[u.quota]
        limit = plan.settings.iam_quotas.get(u.quota, q.limit)  # the account's raised quota, where stated
        who = m(f"quota_kind_{u.kind.replace(' ', '_')}", name=u.name)
        out.append(
            f"| {who} | {cell(m.say(q.what))} | {u.used:,} {m.say(q.unit)} | {limit:,} | {100 * u.used / limit:.0f}% |"
        )
    return out + [""]


def _image_id(image: arns.EcrImage) -> str:
    return f"imageDigest={image.digest}" if image.digest else f"imageTag={image.tag or 'latest'}"


def _preflight(plan: Plan, m: Messages) -> list[str]:
    s = plan.settings
    out = [m("h_preflight"), "", m("preflight_intro", account=s.account_id), ""]
    out.append("- " + m("pf_deployer_role" if plan.deployer.kind == "role" else "pf_user", name=plan.deployer.name))
    for role in plan.roles:
        mode = "pass_only" if pass_only(role) else s.roles.mode
        out.append("- " + m(f"pf_role_{mode}", name=role.name, service=ECS_TASKS))
    for secret in plan.runtime_secrets:
        out.append("- " + m("pf_secret", name=secret.name, region=s.region))
    for path, value in arns.secret_value_paths(plan.task_definition):
        out.append("- " + m("pf_startup_secret", value=value, path=path))
    retention = (
        m("retention_days", days=s.log_group_retention_in_days)
        if s.log_group_retention_in_days
        else m("retention_never")
    )
    encryption = m("encryption_kms", key=s.log_group_kms_key_id) if s.log_group_kms_key_id else m("encryption_default")
    for group in plan.log_groups:
        out.append(
            "- " + m("pf_log_group", name=group.name, retention=retention, encryption=encryption, region=s.region)
        )
    for i, c in enumerate(plan.task_definition.containers):
        image = arns.parse_ecr_image(c["image"])
        if image:
            out.append(
                "- "
                + m(
                    "pf_image",
                    image=c["image"],
                    path=f"containerDefinitions[{i}].image",
                    repository=image.repository,
                    image_id=_image_id(image),
                    region=image.region,
                )
            )
    run = s.deployer.run
    if run is not None:
        out.append("- " + m("pf_cluster", cluster=run.cluster, region=s.region))
        out += ["- " + m("pf_service", service=name, cluster=run.cluster, region=s.region) for name in run.services]
    return out + [""]


def _until_applied(plan: Plan, m: Messages) -> list[str]:
    d = plan.deployer
    out = [m("h_until"), "", m("until_intro"), ""]
    if d.kind == "role":
        if d.attach:
            out.append("- " + m("until_deployer_role_attach", role=d.name, policy=d.policy_name))
        else:
            out.append(
                "- "
                + m(
                    "until_deployer_role_no_attach",
                    role=d.name,
                    policy=d.policy_name,
                    policy_arn=deployer_policy_arn(plan),
                )
            )
    elif d.attach:
        out.append("- " + m("until_user_attach", user=d.name, policy=d.policy_name))
    else:
        out.append(
            "- " + m("until_user_no_attach", user=d.name, policy=d.policy_name, policy_arn=deployer_policy_arn(plan))
        )
    for role in plan.roles:
        if pass_only(role) or (plan.settings.roles.mode == "external" and not role.statements):
            continue  # nothing the stack would change
        out.append("- " + m(f"until_roles_{plan.settings.roles.mode}", name=role.name))
    for group in plan.log_groups:
        out.append(
            "- " + m("until_log_group_driver" if group.created_by_driver else "until_log_group", name=group.name)
        )
    out.append("- " + m("until_task_definition", family=plan.task_definition.family))
    return out + [""]


def _warnings(plan: Plan, m: Messages) -> list[str]:
    if not plan.warnings:
        return [m("h_warnings"), "", m("no_warnings"), ""]
    return [m("h_warnings"), "", m("warnings_intro"), "", *(f"- {md_text(m.say(w))}" for w in plan.warnings), ""]


def registration_command(plan: Plan) -> str:
    return (
        f"aws ecs register-task-definition --cli-input-json file://{RENDERED_TASK_DEFINITION_FILE} "
        f"--region {plan.settings.region}"
    )


def render_permissions(plan: Plan, language: str = DEFAULT_LANGUAGE, proof: Proof | None = None) -> str:
    """``proof``: the plan's authorization proof; without one, the report has no proof section."""
    m = messages(language)
    s = plan.settings
    lines = [
        m("title", stack=s.stack_name),
        "",
        m(
            "intro",
            family=plan.task_definition.family,
            source=plan.task_definition.source,
            environment=s.environment,
            account=s.account_id,
            region=s.region,
        ),
        "",
    ]
    lines += _summary(plan, m)
    lines += _diagram(plan, m)
    lines += _deployer_section(plan, m)
    for role in plan.roles:
        lines += _role_section(plan, role, m)
    if proof is not None:
        lines += proof_section(plan, proof, m)
    lines += _quotas(plan, m)
    lines += _preflight(plan, m)
    lines += _until_applied(plan, m)
    lines += _warnings(plan, m)
    lines += [
        m("h_register"),
        "",
        m("register_intro", user=plan.deployer.name),
        "",
        "```bash",
        registration_command(plan),
        "```",
        "",
        m("register_note"),
    ]
    return "\n".join(lines) + "\n"
