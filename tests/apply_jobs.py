"""What the apply tests apply: one explicit list (APPLIED), one line per stack, and the jobs that apply
them. Scheduled once per session. tests/test_apply_jobs.py checks the list against the environments and
fixtures that exist, and runs every job here with stubs, without Terraform."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from taskdef.input import arns
from taskdef.input.environments import load_settings
from taskdef.input.settings import ROOT, parse_settings
from taskdef.model.pipeline import display_path, load_plan
from taskdef.model.plan import Plan
from taskdef.output.names import RENDERED_TASK_DEFINITION_FILE
from taskdef.proof.request_model import DEPLOYER
from taskdef.proof.requests import build_requests

from . import harness
from .apply_owners import owners_after_apply
from .apply_runs import ApplyRuns, Job, Outcome
from .conftest import DEPLOYER_RUN_SETTINGS, FIXTURES, ROLE_DEPLOYER_SETTINGS
from .emulator import ACCESS_KEY, SECRET_KEY, MotoServer
from .harness import Applied, Toolchain, role_snapshot


def verify_account(moto: MotoServer, environment: str) -> subprocess.CompletedProcess:
    """`python main.py verify --json` as a user runs it, pointed at this job's emulator."""
    env = {k: v for k, v in os.environ.items() if k not in ("TASK_DEFINITION_FILE", "AWS_PROFILE")}
    env.update(
        AWS_ENDPOINT_URL=moto.url,
        AWS_ACCESS_KEY_ID=ACCESS_KEY,
        AWS_SECRET_ACCESS_KEY=SECRET_KEY,
        AWS_DEFAULT_REGION=moto.region,
        IG_ENV=environment,
    )
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "verify", "--json"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


@dataclass(frozen=True)
class Steps:
    """Every step of a job that runs Terraform or cdktf. tests/test_apply_jobs.py passes stubs."""

    apply: Callable[..., Applied] = harness.apply
    switch: Callable[..., Applied] = harness.switch
    destroy: Callable[..., subprocess.CompletedProcess] = harness.destroy
    plan_with_planted_change: Callable[..., str] = harness.plan_with_planted_change
    read_back: Callable[..., list[str]] = harness.read_back
    verify: Callable[..., subprocess.CompletedProcess] = verify_account
    plan_again: Callable[..., list[str]] = harness.second_plan
    synthesize: Callable[..., dict[str, Path]] | None = None  # components.app.synthesize, loaded when first used
    owners: Callable[..., dict[str, Any]] = owners_after_apply


@dataclass(frozen=True)
class Context:
    """What the jobs are built from."""

    toolchain: Toolchain
    workdir: Path
    fixtures: dict[str, tuple[Plan, Path]]  # valid fixture name -> (plan, synthesized stack dir)
    environments_outdir: Path  # the real main job's output for every environment (IG_ENV=all)
    steps: Steps = field(default_factory=Steps)


@dataclass(frozen=True)
class Entry:
    name: str  # what the tests ask ApplyRuns for
    build: Callable[[Context], Job]
    # Other list names this one job applies too: a settings file applied on a fixture, so that a setting
    # under test costs no apply of its own (each costs about 20 s of CPU).
    covers: tuple[str, ...] = ()


def seed_shared_roles(moto: MotoServer, plan: Plan) -> None:
    """The plan's roles as shared default roles look in a real account: used by another service too."""
    iam = moto.client("iam")
    boundary = iam.create_policy(
        PolicyName="platform-boundary",
        PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
        ),
    )["Policy"]["Arn"]
    other = iam.create_policy(
        PolicyName="other-service-managed",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "sqs:ReceiveMessage",
                        "Resource": "arn:aws:sqs:ap-northeast-2:575084400422:other",
                    }
                ],
            }
        ),
    )
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": ["ecs-tasks.amazonaws.com", "events.amazonaws.com"]},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    for role in plan.roles:
        iam.create_role(
            RoleName=role.name,
            Path=role.path,
            AssumeRolePolicyDocument=json.dumps(trust),
            PermissionsBoundary=boundary,
            MaxSessionDuration=7200,
            Description="shared by several services",
            Tags=[{"Key": "Owner", "Value": "platform-team"}],
        )
        iam.put_role_policy(
            RoleName=role.name,
            PolicyName="other-service-inline",
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "OtherService",
                            "Effect": "Allow",
                            "Action": "s3:GetObject",
                            "Resource": "arn:aws:s3:::other-service/*",
                        }
                    ],
                }
            ),
        )
        iam.attach_role_policy(RoleName=role.name, PolicyArn=other["Policy"]["Arn"])


def log_groups_present(moto: MotoServer, names) -> dict[str, bool]:
    found = {g["logGroupName"] for g in moto.client("logs").describe_log_groups()["logGroups"]}
    return {name: name in found for name in names}


def push_images(moto: MotoServer, plan: Plan) -> None:
    """The images the file names, in this account's ECR: what CI pushes before registering."""
    ecr = moto.client("ecr")
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {"mediaType": "application/json", "size": 1, "digest": "sha256:" + "a" * 64},
            "layers": [],
        }
    )
    for container in plan.task_definition.containers:
        image = arns.parse_ecr_image(container["image"])
        if image and image.tag and image.account_id == plan.settings.account_id:
            ecr.create_repository(repositoryName=image.repository)
            ecr.put_image(repositoryName=image.repository, imageManifest=manifest, imageTag=image.tag)


# The deploy workflow's calls, by the IAM action each is authorized as, in its order (TagResource rides on RunTask):
# it resolves the image's tag to a digest and reads the revision the service runs; then the deploy action's calls;
# then its rollback, which points the service back at the revision the deploy replaced.
DEPLOY_CALLS = (
    "ecr:DescribeImages",
    "ecs:DescribeServices",
    "ecs:RegisterTaskDefinition",
    "ecs:RunTask",
    "ecs:DescribeTasks",
    "ecs:StopTask",
    "ecs:DescribeServices",
    "ecs:UpdateService",
    "ecs:DescribeServices",
    "ecs:UpdateService",
    "ecs:DescribeServices",
)


def create_cluster(moto: MotoServer, plan: Plan) -> None:
    """The cluster of settings deployer.run, as its owner made it before this stack: the stack never creates it."""
    moto.client("ecs").create_cluster(clusterName=plan.settings.deployer.run.cluster)


def deploy_as_ci(moto: MotoServer, plan: Plan, workdir: Path) -> dict[str, Any]:
    """After apply, what the deploy workflow does: the services run revision 1 (their owner made them on what the
    stack registered) and CI has pushed the file's images. CI resolves the first container's tag to its digest,
    reads the revision each service runs, registers revision 2 from the rendered file with the image by digest,
    runs it as a one-off task, waits, stops it, points each service at it, and then rolls each back to the revision
    it replaced, as the workflow does when a service does not become stable. The names and ARNs are the deployer's
    requests' (taskdef/proof/requests.py). moto checks no IAM: this proves the calls and what they leave behind;
    the proof proves they are allowed."""
    ecs, ecr = moto.client("ecs"), moto.client("ecr")
    run, family = plan.settings.deployer.run, plan.task_definition.family
    for name in run.services:
        ecs.create_service(
            cluster=run.cluster, serviceName=name, taskDefinition=f"{family}:1", desiredCount=1, launchType="FARGATE"
        )
    push_images(moto, plan)
    asked = [r.action for r in build_requests(plan.task_definition, plan.settings).required if r.role == DEPLOYER]
    calls: list[str] = []

    def call(action: str, client: Any, method: str, **kwargs: Any) -> dict[str, Any]:
        assert action in asked, f"{action} is not among the deployer's requests"
        calls.append(action)
        return getattr(client, method)(**kwargs)

    rendered = json.loads((workdir / RENDERED_TASK_DEFINITION_FILE).read_text(encoding="utf-8"))
    image = rendered["containerDefinitions"][0]["image"]
    parsed = arns.parse_ecr_image(image)
    assert parsed and parsed.tag, image
    (found,) = call(
        "ecr:DescribeImages",
        ecr,
        "describe_images",
        registryId=parsed.account_id,
        repositoryName=parsed.repository,
        imageIds=[{"imageTag": parsed.tag}],
    )["imageDetails"]
    rendered["containerDefinitions"][0]["image"] = (
        f"{image.split('/', 1)[0]}/{parsed.repository}@{found['imageDigest']}"
    )
    replaced = {
        name: call("ecs:DescribeServices", ecs, "describe_services", cluster=run.cluster, services=[name])["services"][
            0
        ]["taskDefinition"]
        for name in run.services
    }
    revision = call("ecs:RegisterTaskDefinition", ecs, "register_task_definition", **rendered)["taskDefinition"]
    tags = rendered.get("tags", [])
    # An awsvpc task needs a subnet and a security group that exist (the workflow takes them from repository
    # variables): the emulated account's default ones.
    ec2 = moto.client("ec2")
    subnet = ec2.describe_subnets()["Subnets"][0]["SubnetId"]
    group = ec2.describe_security_groups(GroupNames=["default"])["SecurityGroups"][0]["GroupId"]
    task = call(
        "ecs:RunTask",
        ecs,
        "run_task",
        cluster=run.cluster,
        taskDefinition=revision["taskDefinitionArn"],
        launchType="FARGATE",
        startedBy="GitHub-Actions",
        **({"tags": tags} if tags else {}),
        networkConfiguration={
            "awsvpcConfiguration": {"subnets": [subnet], "securityGroups": [group], "assignPublicIp": "DISABLED"}
        },
    )["tasks"][0]
    call("ecs:DescribeTasks", ecs, "describe_tasks", cluster=run.cluster, tasks=[task["taskArn"]])
    call("ecs:StopTask", ecs, "stop_task", cluster=run.cluster, task=task["taskArn"], reason="one-off job done")
    running, rolled_back = {}, {}
    for name in run.services:
        call("ecs:DescribeServices", ecs, "describe_services", cluster=run.cluster, services=[name])
        call(
            "ecs:UpdateService",
            ecs,
            "update_service",
            cluster=run.cluster,
            service=name,
            taskDefinition=revision["taskDefinitionArn"],
        )
        described = call("ecs:DescribeServices", ecs, "describe_services", cluster=run.cluster, services=[name])
        running[name] = described["services"][0]["taskDefinition"]
    for name in run.services:  # the workflow's rollback: back to the revision the deploy replaced
        call(
            "ecs:UpdateService", ecs, "update_service", cluster=run.cluster, service=name, taskDefinition=replaced[name]
        )
        described = call("ecs:DescribeServices", ecs, "describe_services", cluster=run.cluster, services=[name])
        rolled_back[name] = described["services"][0]["taskDefinition"]
    registered = ecs.describe_task_definition(taskDefinition=revision["taskDefinitionArn"])["taskDefinition"]
    return {
        "calls": calls,
        "revision": revision["revision"],
        "image": registered["containerDefinitions"][0]["image"],
        "services": running,
        "rolled_back": rolled_back,
        "task": task["taskArn"],
        "cluster_status": ecs.describe_clusters(clusters=[run.cluster])["clusters"][0]["status"],
        "revision_1_status": ecs.describe_task_definition(taskDefinition=f"{family}:1")["taskDefinition"]["status"],
    }


def applied_and_read_back(
    stack_dir: Callable[[], Path],
    plan: Callable[[], Plan],
    ctx: Context,
    *,
    doctor: bool = False,
    plant: tuple[str, str, Any] | None = None,
    shared_roles: bool = False,
    verify: str | None = None,
    deploy: bool = False,
    owners: tuple[Path, Path] | None = None,
) -> Job:
    """Apply, plan again, read back; ``doctor`` and ``plant`` then prove the read-back and the second
    plan can fail, on the same applied stack. ``shared_roles``: the roles exist first, as shared roles
    do, and must keep all they had; then ``terraform destroy`` must delete nothing that existed.
    ``verify``: after the read-back, with the images pushed, `main.py verify` for that environment.
    ``deploy``: the cluster of settings deployer.run exists first; after the read-back, CI's deploy and run calls
    (``deploy_as_ci``), then the next plan, which must show no changes. ``owners``: (settings file, task definition
    file); then who owns each difference `main.py diff` reports (tests/apply_owners.py)."""
    steps, toolchain = ctx.steps, ctx.toolchain

    def job(moto: MotoServer, workdir: Path) -> Outcome:
        facts: dict[str, Any] = {}
        if shared_roles:
            seed_shared_roles(moto, plan())
            facts["roles_before"] = {r.name: role_snapshot(moto, r.name) for r in plan().roles}
        if deploy:
            create_cluster(moto, plan())
        applied = steps.apply(stack_dir(), workdir, toolchain=toolchain, moto=moto)
        outcome = Outcome(applied=applied, problems=steps.read_back(applied, plan(), moto), facts=facts)
        if deploy:
            facts["deploy"] = deploy_as_ci(moto, plan(), applied.workdir)
            facts["plan_after_deploy"] = steps.plan_again(toolchain, applied.workdir)
        if owners:  # after the plan: the revisions these register are not the stack's, and must not be
            facts["owners"] = steps.owners(moto, plan(), *owners, applied.workdir)
        if verify:
            push_images(moto, plan())
            facts["verify"] = steps.verify(moto, verify)
        if doctor:
            facts.update(doctored_read_backs(applied, plan(), moto, steps.read_back))
        if plant:
            facts["planted"] = steps.plan_with_planted_change(applied, toolchain, *plant)
        if shared_roles:
            facts["roles_after"] = {r.name: role_snapshot(moto, r.name) for r in plan().roles}
            destroyed = steps.destroy(applied, toolchain=toolchain)
            facts["destroy"] = destroyed.returncode, destroyed.stdout + destroyed.stderr
            facts["roles_after_destroy"] = {r.name: role_snapshot(moto, r.name) for r in plan().roles}
            facts["log_groups_after_destroy"] = log_groups_present(moto, [g.name for g in plan().log_groups])
        return outcome

    return job


def adopt_then_external(ctx: Context) -> Job:
    """roles.mode adopt applied first, then switched to external with a renamed awslogs group: the roles,
    their policies and the old log group must all still exist."""
    (adopt_plan, adopt_dir), (external_plan, external_dir) = mode_switch_stacks(ctx)
    steps, toolchain = ctx.steps, ctx.toolchain

    def job(moto: MotoServer, workdir: Path) -> Outcome:
        applied = steps.apply(adopt_dir, workdir, toolchain=toolchain, moto=moto)
        facts: dict[str, Any] = {
            "adopt_apply_log": applied.apply_log,
            "adopt_problems": steps.read_back(applied, adopt_plan, moto),
            "roles_adopted": {r.name: role_snapshot(moto, r.name) for r in adopt_plan.roles},
        }
        switched = steps.switch(applied, external_dir, toolchain=toolchain)
        facts["switch_apply_log"] = switched.apply_log
        facts["roles_after_switch"] = {r.name: role_snapshot(moto, r.name) for r in adopt_plan.roles}
        facts["log_groups_after_switch"] = log_groups_present(
            moto, [g.name for g in adopt_plan.log_groups + external_plan.log_groups]
        )
        # The revision the adopt apply registered, replaced in state by the new one.
        facts["first_revision_status"] = moto.client("ecs").describe_task_definition(
            taskDefinition=f"{adopt_plan.task_definition.family}:1"
        )["taskDefinition"]["status"]
        return Outcome(applied=switched, problems=steps.read_back(switched, external_plan, moto), facts=facts)

    return job


def doctored_read_backs(applied, plan: Plan, moto: MotoServer, read_back=harness.read_back) -> dict[str, list[str]]:
    """The read-back is not vacuous: what it says of a rendered file and a plan that the account does not match."""
    rendered_file = applied.workdir / RENDERED_TASK_DEFINITION_FILE
    original = rendered_file.read_text(encoding="utf-8")
    rendered = json.loads(original)
    rendered["containerDefinitions"][0]["environment"][0]["value"] = "planted"
    rendered_file.write_text(json.dumps(rendered), encoding="utf-8")
    try:
        facts = {"rendered": read_back(applied, plan, moto)}
    finally:
        rendered_file.write_text(original, encoding="utf-8")
    task_role = plan.role("task_role")
    first, *rest = task_role.statements
    narrower = dataclasses.replace(
        task_role, statements=(dataclasses.replace(first, actions=first.actions[:-1]), *rest)
    )
    facts["policy"] = read_back(
        applied, dataclasses.replace(plan, roles=tuple(narrower if r is task_role else r for r in plan.roles)), moto
    )
    return facts


RENAMED_LOG_GROUP = "/ecs/ig-notification-renamed"


def mode_switch_stacks(ctx: Context) -> tuple[tuple[Plan, Path], tuple[Plan, Path]]:
    """prod with roles.mode adopt, and prod as it is (external) with its awslogs group renamed."""
    synthesize = ctx.steps.synthesize
    if synthesize is None:
        from components.app import synthesize

    prod = load_settings("prod", environ={})
    adopt = load_plan(
        dataclasses.replace(prod, stack_name="prod-adopt", roles=dataclasses.replace(prod.roles, mode="adopt"))
    )
    renamed = load_plan(
        dataclasses.replace(
            prod,
            stack_name="prod-external-renamed",
            task_definition_overrides={
                "containerDefinitions[name=ig-notification].logConfiguration.options.awslogs-group": RENAMED_LOG_GROUP
            },
        )
    )
    outdir = ctx.workdir / "mode-switch-out"
    dirs = synthesize((adopt, renamed), outdir, outdir=outdir)
    return (adopt, dirs["prod-adopt"]), (renamed, dirs["prod-external-renamed"])


def environment(name: str, **options: Any) -> Entry:
    """An environment's stack as the main job wrote it (environments/<name>.json)."""

    def build(ctx: Context) -> Job:
        def stack_dir() -> Path:
            return ctx.environments_outdir / "stacks" / load_settings(name, environ={}).stack_name

        return applied_and_read_back(stack_dir, lambda: load_plan(load_settings(name, environ={})), ctx, **options)

    return Entry(f"environment:{name}", build)


def fixture(name: str, *, settings: Path | None = None, **options: Any) -> Entry:
    """A valid fixture (tests/fixtures/valid/<name>.json) under the prod settings, or under the settings file
    ``settings`` (kept out of environments/), which the entry then covers too."""

    def build(ctx: Context) -> Job:
        if name not in ctx.fixtures:

            def missing(moto: MotoServer, workdir: Path) -> Outcome:
                return Outcome(
                    error=f"fixture:{name} is in APPLIED, but tests/fixtures/valid/{name}.json does not exist"
                )

            return missing
        if settings is None:
            plan, stack_dir = ctx.fixtures[name]
        else:
            plan, stack_dir = _synthesized(ctx, settings, task_definition_file=FIXTURES / "valid" / f"{name}.json")
        given = dict(options)
        if given.get("owners"):  # owners=True: this settings file over this fixture
            given["owners"] = (settings, FIXTURES / "valid" / f"{name}.json")
        return applied_and_read_back(lambda: stack_dir, lambda: plan, ctx, **given)

    return Entry(f"fixture:{name}", build, covers=(f"settings:{settings.stem}",) if settings else ())


def _synthesized(ctx: Context, path: Path, *, task_definition_file: Path) -> tuple[Plan, Path]:
    synthesize = ctx.steps.synthesize
    if synthesize is None:
        from components.app import synthesize
    settings = parse_settings(
        json.loads(path.read_text(encoding="utf-8")),
        source=display_path(path),
        task_definition_file=str(task_definition_file),
    )
    plan = load_plan(settings)
    outdir = ctx.workdir / f"settings-{path.stem}-out"
    return plan, synthesize((plan,), outdir, outdir=outdir)[settings.stack_name]


SERVICES = FIXTURES / "services"  # five services sharing dev-pilot-reader and the two default roles


def service_stacks(ctx: Context) -> list[tuple[Plan, Path]]:
    """The five services' stacks, synthesized together as IG_ENV=all would over tests/fixtures/services/."""
    synthesize = ctx.steps.synthesize
    if synthesize is None:
        from components.app import synthesize

    plans = [
        load_plan(parse_settings(json.loads(path.read_text(encoding="utf-8")), source=display_path(path)))
        for path in sorted(SERVICES.glob("*.json"))
    ]
    outdir = ctx.workdir / "services-out"
    dirs = synthesize(plans, outdir, outdir=outdir)
    return [(plan, dirs[plan.settings.stack_name]) for plan in plans]


def five_services(ctx: Context) -> Job:
    """Five stacks applied one after the other into one account whose default roles are shared already: each
    reads back as planned, and the shared principals then hold all five (taskdef/model/quotas.py summed them)."""
    stacks = service_stacks(ctx)
    steps, toolchain = ctx.steps, ctx.toolchain

    def job(moto: MotoServer, workdir: Path) -> Outcome:
        seed_shared_roles(moto, stacks[0][0])
        problems, applied = [], None
        for plan, stack_dir in stacks:
            applied = steps.apply(stack_dir, workdir / plan.settings.stack_name, toolchain=toolchain, moto=moto)
            problems += [f"{plan.settings.stack_name}: {p}" for p in steps.read_back(applied, plan, moto)]
        iam = moto.client("iam")
        facts: dict[str, Any] = {
            "deployer_attached": [
                a["PolicyArn"] for a in iam.list_attached_user_policies(UserName="dev-pilot-reader")["AttachedPolicies"]
            ],
            "inline": {
                role.name: {
                    name: iam.get_role_policy(RoleName=role.name, PolicyName=name)["PolicyDocument"]
                    for name in iam.list_role_policies(RoleName=role.name)["PolicyNames"]
                }
                for role in stacks[0][0].roles
            },
        }
        return Outcome(applied=applied, problems=problems, facts=facts)

    return job


OVERFLOW_FILE = FIXTURES / "quotas" / "sixty-ssm-secrets.json"
OVERFLOW_KMS_KEYS = (
    "arn:aws:kms:ap-northeast-2:575084400422:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    "arn:aws:kms:ap-northeast-2:575084400422:key/0987dcba-09fe-87dc-65ba-ab0987654321",
)


def overflow_stack(ctx: Context) -> Job:
    """60 SSM secrets with long names and two KMS keys under prod's settings: the execution role's inline policy
    is full, and the rest is in a managed policy of the stack's own attached to the shared role."""
    synthesize = ctx.steps.synthesize
    if synthesize is None:
        from components.app import synthesize

    prod = load_settings("prod", environ={})
    plan = load_plan(
        dataclasses.replace(
            prod,
            stack_name="quotas-overflow",
            task_definition_file=OVERFLOW_FILE,
            secrets_kms_key_arns=OVERFLOW_KMS_KEYS,
        )
    )
    outdir = ctx.workdir / "quotas-out"
    stack_dir = synthesize((plan,), outdir, outdir=outdir)[plan.settings.stack_name]
    return applied_and_read_back(lambda: stack_dir, lambda: plan, ctx, shared_roles=True)


# Every stack the suite applies, one line each, in the order the workers take them: the longest jobs first,
# so that none of them is left running alone at the end of the suite.
APPLIED: tuple[Entry, ...] = (
    # prod on roles that look shared, then verify, doctored read-backs, a planted retention change, and destroy
    environment(
        "prod",
        shared_roles=True,
        doctor=True,
        verify="prod",
        plant=("aws_cloudwatch_log_group.ecs_ig_notification", "retention_in_days", 400),
    ),
    Entry("switch:adopt-to-external", adopt_then_external),
    # five services in one account, sharing dev-pilot-reader and the default roles (tests/fixtures/services)
    Entry("services:five", five_services),
    # the execution role's overflow policy (taskdef/model/quotas.py), on roles that look shared
    Entry("quotas:overflow", overflow_stack),
    # every-field carries the emulator gap (enable_fault_injection): a tag changed beside it still fails
    fixture("every-field", plant=("aws_ecs_task_definition.task_definition", "tags", {"Planted": "beside-the-gap"})),
    # deployer.run (tests/fixtures/environments/deployer-run.json): after apply, CI deploys revision 2 to the
    # service and runs it as a task. multi-container, because moto's RunTask needs each container's memory.
    # Then issue 34's owners of what `main.py diff` reports (tests/apply_owners.py).
    fixture("multi-container", settings=DEPLOYER_RUN_SETTINGS, deploy=True, owners=True),
    environment("dev"),
    fixture("awslogs-create-group-shared"),
    fixture("console-export"),
    # with a deployer role (an OIDC role for CI) in place of the user: tests/fixtures/environments/role-deployer.json
    fixture("deploy-action", settings=ROLE_DEPLOYER_SETTINGS),
    fixture("describe-flat"),
    fixture("describe-output"),
    fixture("ec2-bridge"),
    fixture("ec2-host"),
    fixture("efs-volumes"),
    fixture("external"),
    fixture("firelens"),
    fixture("no-log-group"),
    fixture("no-task-role"),
    fixture("secretsmanager-secrets"),
    fixture("ssm-secrets"),
    fixture("windows"),
)
APPLIED_NAMES = tuple(entry.name for entry in APPLIED)

# Valid fixtures that this machine's toolchain cannot apply: name -> (the hashicorp/aws release that first
# accepts them, why). Each is synthesized, scanned and proven like the rest; tests/test_apply_jobs.py fails
# once the mirror holds that release, so the fixture then joins APPLIED.
NOT_APPLIABLE: dict[str, tuple[str, str]] = {
    "fixture:managed-instances": (
        "6.15.0",
        "hashicorp/aws added MANAGED_INSTANCES to requires_compatibilities in 6.15.0 (the stack binds 6.25.0); "
        "an older provider refuses the value when it validates the configuration, before any AWS call",
    ),
}
COVERED_NAMES = APPLIED_NAMES + tuple(name for entry in APPLIED for name in entry.covers) + tuple(NOT_APPLIABLE)


def schedule(
    runs: ApplyRuns,
    toolchain: Toolchain,
    workdir: Path,
    fixtures: dict[str, tuple[Plan, Path]],
    environments_outdir: Path,
    steps: Steps = Steps(),
    only: set[str] | None = None,
) -> None:
    """Submit every job of APPLIED, or those of ``only``, in its order."""
    ctx = Context(toolchain, workdir, fixtures, environments_outdir, steps)
    for entry in APPLIED:
        if only is None or entry.name in only:
            runs.submit(entry.name, entry.build(ctx))
