"""Message catalog for permissions.md: one renderer, one template set per language.

Templates use str.format fields; every language has the same keys and fields (a
test checks). Plan data (ARNs, actions, reasons, warnings) is not translated.
"""
from __future__ import annotations

EN: dict[str, str] = {
    "title": "# Permissions for `{stack}`",
    "intro": ("Task definition family `{family}` from `{source}`; environment `{environment}`, account `{account}`, "
              "region `{region}`. Written by synth from the same permission plan as `cdk.tf.json`, "
              "`deployer-policy.json` and `task-definition.rendered.json` in this directory."),
    "h_summary": "## Summary",
    "col_principal": "Principal",
    "col_policy": "Policy",
    "col_statements": "Statements",
    "kind_user": "Deployer user",
    "kind_deployer_role": "Deployer role",
    "kind_task_execution_role": "Task execution role",
    "kind_task_role": "Task role",
    "kind_both_roles": "Task execution role and task role",
    "policy_managed": "managed policy `{name}`",
    "policy_inline": "inline policy `{name}`",
    "policy_none": "none",
    "policy_not_attached": "none attached by this stack",
    "h_diagram": "## Diagram",
    "diagram_intro": "Solid lines are granted or attached by this stack; dashed lines are not.",
    "dia_user": "IAM user {name}",
    "dia_role": "IAM role {name}",
    "dia_managed": "managed policy {name}",
    "dia_inline": "inline policy {name}",
    "dia_attached": "attached",
    "dia_not_attached": "not attached",
    "named_by": "Named by {fields} in the task definition.",
    "role_create": "Created by this stack (roles.mode `create`).",
    "role_adopt": "Existing role, imported into this stack on the first apply (roles.mode `adopt`).",
    "role_external": "Existing role: this stack reads it and adds only its inline policy (roles.mode `external`).",
    "shared_role": ("**Shared role.** `{name}` is a name the ECS console creates, and other task definitions in this "
                    "account may use it too. Every task that runs with it gains these grants, not only this service:"),
    "shared_role_fix": ("To keep them to this service, set `roles.dedicated: true` with `roles.mode: create` in the "
                        "environment's settings: the stack then creates roles of this service's own and points the task "
                        "definition at them."),
    "role_pass_only": ("Existing role that this stack does not touch (roles.mode `external`, listed in "
                       "roles.pass_only); the deployer may only pass it."),
    "user_attach": "Existing IAM user; this stack attaches {policy} to it.",
    "user_no_attach": "Existing IAM user; this stack creates {policy} but does not attach it (deployer.attach is false).",
    "deployer_role_attach": "Existing IAM role; this stack attaches {policy} to it.",
    "deployer_role_no_attach": ("Existing IAM role; this stack creates {policy} but does not attach it "
                                "(deployer.attach is false)."),
    "standalone": "The same statements as a standalone policy document, with concrete ARNs: `deployer-policy.json`.",
    "h_trust": "### Trust policy",
    "h_policy": "### Policy `{name}`",
    "h_required": "### Required permissions, not attached by this stack",
    "required_intro": "Confirm that the role already grants these; this stack adds nothing to it.",
    "no_statements": "This task definition needs no permissions from this role; the stack attaches no policy to it.",
    "principals": "Principals",
    "actions": "Actions",
    "resources": "Resources",
    "conditions": "Conditions",
    "why": "Why",
    "note_role_managed": "role managed by this stack",
    "note_role_existing": "existing role",
    "note_log_group": "log group created by this stack",
    "note_secret": ("the stack grants the exact ARN it looks up; this pattern matches the 6-character suffix "
                    "Secrets Manager adds"),
    "h_preflight": "## Pre-flight checks",
    "preflight_intro": "Confirm these in account `{account}` before the first apply:",
    "pf_role_create": ("Role `{name}` must not exist yet: the stack creates it, and apply fails with EntityAlreadyExists "
                       "if it does (then set roles.mode to `adopt`). `aws iam get-role --role-name {name}` "
                       "should fail with NoSuchEntity."),
    "pf_role_adopt": ("Role `{name}` must exist: the first apply imports it, sets its trust policy to the one above "
                      "and adds its inline policy; policies already on it stay and are not listed here. "
                      "Check: `aws iam get-role --role-name {name}`."),
    "pf_role_external": ("Role `{name}` must exist, and its trust policy must already let `{service}` assume it "
                         "(this stack does not manage it). Check: `aws iam get-role --role-name {name}`."),
    "pf_role_pass_only": ("Role `{name}` must exist, trust `{service}`, and already grant the permissions listed "
                          "in its section. Check: `aws iam get-role --role-name {name}`."),
    "pf_secret": ("Secret `{name}` must exist in region `{region}`: the stack looks it up by name (its ARN only, "
                  "never its value) and `terraform plan` fails if it is missing. "
                  "Check: `aws secretsmanager describe-secret --secret-id {name} --region {region}`."),
    "pf_startup_secret": "`{value}` (`{path}`) must exist: the task fails to start without it.",
    "pf_log_group": ("Log group `{name}` is created by the stack with retention {retention}, {encryption}; "
                     "`prevent_destroy` keeps Terraform from deleting it. It must not exist yet (apply fails with "
                     "ResourceAlreadyExistsException); if an earlier task created it, import it into the Terraform "
                     "state first. Check: `aws logs describe-log-groups --log-group-name-prefix {name} "
                     "--region {region}`."),
    "retention_days": "{days} days",
    "retention_never": "never expiring",
    "encryption_kms": "encrypted with KMS key `{key}`",
    "encryption_default": "with CloudWatch Logs' default encryption",
    "pf_user": "IAM user `{name}` must exist. Check: `aws iam get-user --user-name {name}`.",
    "pf_deployer_role": ("IAM role `{name}` must exist, and its trust policy must let the deployer (CI, for example "
                         "through OIDC) assume it; this stack does not manage the role. "
                         "Check: `aws iam get-role --role-name {name}`."),
    "pf_cluster": ("ECS cluster `{cluster}` (settings deployer.run.cluster) must exist: the deployer runs and "
                   "deploys there, and this stack does not create it. "
                   "Check: `aws ecs describe-clusters --clusters {cluster} --region {region}`."),
    "pf_service": ("ECS service `{service}` must exist on cluster `{cluster}`: the deployer points it at new "
                   "revisions, and this stack neither creates nor changes it. "
                   "Check: `aws ecs describe-services --cluster {cluster} --services {service} --region {region}`."),
    "pf_image": ("Image `{image}` (`{path}`) must exist in ECR repository `{repository}`. "
                 "Check: `aws ecr describe-images --repository-name {repository} --image-ids {image_id} "
                 "--region {region}`."),
    "h_until": "## Until the stack is applied",
    "until_intro": ("Synth only writes files. Until `terraform apply` in this directory (or `cdktf deploy`) succeeds, "
                    "the following is missing. Applying creates IAM roles and policies, which the deployer policy "
                    "does not allow: an IAM administrator applies the stack."),
    "until_user_attach": ("`{user}` lacks policy `{policy}`, so it cannot register the task definition, until the stack is applied or an IAM administrator attaches `deployer-policy.json` "
                          "by hand, e.g. `aws iam put-user-policy --user-name {user} --policy-name {policy} "
                          "--policy-document file://deployer-policy.json` (remove that inline copy once the stack "
                          "attaches its own)."),
    "until_user_no_attach": ("`{user}` lacks policy `{policy}` even after apply, until an IAM administrator attaches "
                             "it: `aws iam attach-user-policy --user-name {user} --policy-arn {policy_arn}`, or "
                             "adds `deployer-policy.json` by hand."),
    "until_deployer_role_attach": ("`{role}` lacks policy `{policy}`, so it cannot register the task definition, until "
                                   "the stack is applied or an IAM administrator attaches `deployer-policy.json` by "
                                   "hand, e.g. `aws iam put-role-policy --role-name {role} --policy-name {policy} "
                                   "--policy-document file://deployer-policy.json` (remove that inline copy once the "
                                   "stack attaches its own)."),
    "until_deployer_role_no_attach": ("`{role}` lacks policy `{policy}` even after apply, until an IAM administrator "
                                      "attaches it: `aws iam attach-role-policy --role-name {role} --policy-arn "
                                      "{policy_arn}`, or adds `deployer-policy.json` by hand."),
    "until_roles_create": "Role `{name}` does not exist yet; no task can start with it.",
    "until_roles_adopt": "Role `{name}` keeps its current trust policy and permissions; the statements above are not on it yet.",
    "until_roles_external": "Role `{name}` lacks the inline policy above.",
    "until_log_group": ("Log group `{name}` does not exist; tasks fail to start, since awslogs-create-group is not set "
                        "and the execution role may not create log groups."),
    "until_log_group_driver": ("Log group `{name}` does not exist. awslogs-create-group is true, but the execution role "
                               "may not call logs:CreateLogGroup yet, so tasks fail to start."),
    "until_task_definition": ("No revision of family `{family}` is registered: the stack registers one on apply, or "
                              "register one by hand as below."),
    "h_warnings": "## Warnings",
    "warnings_intro": "From validation of the task definition (synth prints them too):",
    "no_warnings": "None.",
    "h_register": "## Registering the task definition",
    "register_intro": ("The stack registers a revision on apply. To register by hand instead, with the AWS CLI or by "
                       "pasting `task-definition.rendered.json` into the ECS console's JSON tab, once what it names "
                       "exists and `{user}` holds the deployer policy, run from this directory:"),
    "register_note": "Each registration adds a new revision; earlier revisions stay registered.",
    "h_proof": "## Authorization proof",
    "proof_intro": ("Each request below is what AWS evaluates when `{user}` registers the task definition and when "
                    "ECS starts the task, derived from the task definition file and the settings, not from the "
                    "statements above. Each was evaluated by the IAM policy engine `{engine}` against the policies "
                    "this stack writes (the statements above, with concrete ARNs): {allowed} of {required} required "
                    "requests allowed, {denied} of {near} near misses denied."),
    "proof_trust": "Trust of role `{name}` (principal `{service}`)",
    "proof_col_request": "Request",
    "proof_col_context": "Context",
    "proof_col_result": "Result",
    "proof_col_why": "Why AWS asks it",
    "proof_col_near": "Near miss",
    "proof_near_intro": "Near misses, each of which must be denied:",
    "proof_allowed_by": "allowed by {sids}",
    "proof_denied": "**denied** ({decision})",
    "proof_allowed": "**allowed** by {sids}",
    "proof_error": "**not evaluated**: {error}",
    "proof_not_evaluated": "Not evaluated, because this stack writes no policy for them:",
    "proof_skipped_role": "requests of role `{name}`: the stack attaches nothing to it (roles.pass_only)",
    "proof_skipped_trust": "the trust policy of role `{name}`: the stack does not write it (roles.mode `{mode}`)",
    "proof_skipped_elsewhere": ("`{action}` on `{resource}`: in account {account}, whose own resource policy "
                                "decides as well; this stack cannot grant it there"),
    "proof_limits": ("Limits: service control policies, resource control policies, session policies and permission "
                     "boundaries of the account are not part of this evaluation (`python main.py verify` reads the "
                     "live account), and KMS keys are assumed to keep the default key policy."),
    "h_quotas": "## AWS quotas",
    "quotas_intro": ("What this stack alone adds to each principal, measured as IAM counts it (minified JSON with "
                     "concrete ARNs, whitespace not counted), against AWS's default quotas. A shared principal also "
                     "holds what other stacks and teams attached; `python main.py verify` adds those."),
    "quota_col_what": "Principal or object",
    "quota_col_quota": "Quota",
    "quota_col_used": "Used",
    "quota_col_limit": "Limit",
    "quota_col_share": "Share",
    "overflow_note": ("The inline policy could not hold every statement within IAM's 10,240 characters per role, "
                      "so the rest is in `{name}`, a managed policy of this stack's own attached to the role "
                      "(one of its 10 managed-policy attachments)."),
}

KO: dict[str, str] = {
    "title": "# `{stack}` 권한 보고서",
    "intro": ("`{source}`의 태스크 정의 패밀리 `{family}`, 환경 `{environment}`, 계정 `{account}`, 리전 `{region}`. "
              "synth가 권한 계획에서 생성했으며, 이 디렉터리의 `cdk.tf.json`, `deployer-policy.json`, "
              "`task-definition.rendered.json`도 같은 계획에서 만들어졌습니다. "
              "이유와 경고는 권한 계획이 만든 원문(영어) 그대로입니다."),
    "h_summary": "## 요약",
    "col_principal": "보안 주체",
    "col_policy": "정책",
    "col_statements": "정책 문",
    "kind_user": "배포 사용자",
    "kind_deployer_role": "배포 역할",
    "kind_task_execution_role": "태스크 실행 역할",
    "kind_task_role": "태스크 역할",
    "kind_both_roles": "태스크 실행 역할 겸 태스크 역할",
    "policy_managed": "관리형 정책 `{name}`",
    "policy_inline": "인라인 정책 `{name}`",
    "policy_none": "없음",
    "policy_not_attached": "없음(이 스택이 연결하지 않음)",
    "h_diagram": "## 다이어그램",
    "diagram_intro": "실선은 이 스택이 부여하거나 연결하는 것이고, 점선은 그렇지 않은 것입니다.",
    "dia_user": "IAM 사용자 {name}",
    "dia_role": "IAM 역할 {name}",
    "dia_managed": "관리형 정책 {name}",
    "dia_inline": "인라인 정책 {name}",
    "dia_attached": "연결됨",
    "dia_not_attached": "연결 안 됨",
    "named_by": "태스크 정의의 {fields} 필드가 지정합니다.",
    "role_create": "이 스택이 생성합니다(roles.mode `create`).",
    "role_adopt": "기존 역할이며, 첫 apply 때 이 스택으로 가져옵니다(roles.mode `adopt`).",
    "role_external": "기존 역할입니다. 이 스택은 역할을 읽기만 하고 인라인 정책만 추가합니다(roles.mode `external`).",
    "shared_role": ("**공유 역할.** `{name}`은(는) ECS 콘솔이 만드는 이름이라 이 계정의 다른 태스크 정의도 사용할 수 "
                    "있습니다. 이 역할로 실행되는 모든 태스크가 이 서비스뿐 아니라 다음 권한을 얻습니다:"),
    "shared_role_fix": ("이 서비스로 한정하려면 환경 설정에서 `roles.mode: create`와 함께 `roles.dedicated: true`를 "
                        "설정합니다. 그러면 스택이 이 서비스 전용 역할을 만들고 태스크 정의가 그 역할을 가리키게 합니다."),
    "role_pass_only": ("이 스택이 건드리지 않는 기존 역할입니다(roles.mode `external`, roles.pass_only에 포함). "
                       "배포 사용자는 이 역할을 전달만 할 수 있습니다."),
    "user_attach": "기존 IAM 사용자입니다. 이 스택이 {policy}을(를) 연결합니다.",
    "user_no_attach": "기존 IAM 사용자입니다. 이 스택은 {policy}을(를) 만들지만 연결하지 않습니다(deployer.attach가 false).",
    "deployer_role_attach": "기존 IAM 역할입니다. 이 스택이 {policy}을(를) 연결합니다.",
    "deployer_role_no_attach": "기존 IAM 역할입니다. 이 스택은 {policy}을(를) 만들지만 연결하지 않습니다(deployer.attach가 false).",
    "standalone": "같은 정책 문을 구체적인 ARN으로 담은 독립 정책 문서: `deployer-policy.json`.",
    "h_trust": "### 신뢰 정책",
    "h_policy": "### 정책 `{name}`",
    "h_required": "### 필요한 권한 (이 스택이 연결하지 않음)",
    "required_intro": "역할에 이미 다음 권한이 있는지 확인하십시오. 이 스택은 아무것도 추가하지 않습니다.",
    "no_statements": "이 태스크 정의는 이 역할에 권한이 필요 없으므로, 스택이 정책을 연결하지 않습니다.",
    "principals": "보안 주체",
    "actions": "작업",
    "resources": "리소스",
    "conditions": "조건",
    "why": "이유",
    "note_role_managed": "이 스택이 관리하는 역할",
    "note_role_existing": "기존 역할",
    "note_log_group": "이 스택이 생성하는 로그 그룹",
    "note_secret": "스택은 조회한 정확한 ARN을 부여하며, 이 패턴은 Secrets Manager가 붙이는 6자리 접미사와 일치합니다",
    "h_preflight": "## 사전 확인 사항",
    "preflight_intro": "첫 apply 전에 계정 `{account}`에서 다음을 확인하십시오.",
    "pf_role_create": ("역할 `{name}`은(는) 아직 없어야 합니다. 스택이 생성하며, 이미 있으면 apply가 EntityAlreadyExists로 "
                       "실패합니다(그 경우 roles.mode를 `adopt`로 설정). `aws iam get-role --role-name {name}`이(가) "
                       "NoSuchEntity로 실패해야 합니다."),
    "pf_role_adopt": ("역할 `{name}`이(가) 있어야 합니다. 첫 apply가 이 역할을 가져와 신뢰 정책을 위의 것으로 바꾸고 "
                      "인라인 정책을 추가합니다. 이미 붙어 있는 정책은 그대로 남으며 여기에 나오지 않습니다. "
                      "확인: `aws iam get-role --role-name {name}`."),
    "pf_role_external": ("역할 `{name}`이(가) 있어야 하고, 신뢰 정책이 이미 `{service}`의 역할 수임을 허용해야 합니다"
                         "(이 스택은 신뢰 정책을 관리하지 않음). 확인: `aws iam get-role --role-name {name}`."),
    "pf_role_pass_only": ("역할 `{name}`이(가) 있어야 하고, `{service}`을(를) 신뢰하며, 해당 절에 나온 권한을 이미 "
                          "가지고 있어야 합니다. 확인: `aws iam get-role --role-name {name}`."),
    "pf_secret": ("보안 암호 `{name}`이(가) 리전 `{region}`에 있어야 합니다. 스택은 이름으로 조회하며(값이 아닌 ARN만), "
                  "없으면 `terraform plan`이 실패합니다. "
                  "확인: `aws secretsmanager describe-secret --secret-id {name} --region {region}`."),
    "pf_startup_secret": "`{value}`(`{path}`)이(가) 있어야 합니다. 없으면 태스크가 시작되지 않습니다.",
    "pf_log_group": ("로그 그룹 `{name}`은(는) 스택이 보존 기간 {retention}, {encryption}(으)로 생성합니다. "
                     "`prevent_destroy`로 Terraform이 삭제하지 못하게 합니다. 아직 없어야 하며(있으면 apply가 "
                     "ResourceAlreadyExistsException으로 실패), 이전 태스크가 이미 만들었다면 먼저 Terraform 상태로 "
                     "가져오십시오. 확인: `aws logs describe-log-groups --log-group-name-prefix {name} "
                     "--region {region}`."),
    "retention_days": "{days}일",
    "retention_never": "무기한",
    "encryption_kms": "KMS 키 `{key}` 암호화",
    "encryption_default": "CloudWatch Logs 기본 암호화",
    "pf_user": "IAM 사용자 `{name}`이(가) 있어야 합니다. 확인: `aws iam get-user --user-name {name}`.",
    "pf_deployer_role": ("IAM 역할 `{name}`이(가) 있어야 하고, 신뢰 정책이 배포 주체(예: OIDC를 통한 CI)의 역할 수임을 "
                         "허용해야 합니다. 이 스택은 이 역할을 관리하지 않습니다. "
                         "확인: `aws iam get-role --role-name {name}`."),
    "pf_cluster": ("ECS 클러스터 `{cluster}`(설정 deployer.run.cluster)이(가) 있어야 합니다. 배포 주체가 이곳에서 "
                   "실행하고 배포하며, 이 스택은 클러스터를 만들지 않습니다. "
                   "확인: `aws ecs describe-clusters --clusters {cluster} --region {region}`."),
    "pf_service": ("ECS 서비스 `{service}`이(가) 클러스터 `{cluster}`에 있어야 합니다. 배포 주체가 새 리비전을 "
                   "가리키게 하며, 이 스택은 서비스를 만들거나 바꾸지 않습니다. "
                   "확인: `aws ecs describe-services --cluster {cluster} --services {service} --region {region}`."),
    "pf_image": ("이미지 `{image}`(`{path}`)이(가) ECR 리포지토리 `{repository}`에 있어야 합니다. "
                 "확인: `aws ecr describe-images --repository-name {repository} --image-ids {image_id} "
                 "--region {region}`."),
    "h_until": "## 스택 적용 전까지 없는 것",
    "until_intro": ("synth는 파일만 씁니다. 이 디렉터리에서 `terraform apply`(또는 `cdktf deploy`)가 성공할 때까지 "
                    "다음이 없습니다. 적용하면 IAM 역할과 정책이 생성되는데 배포 정책은 이를 허용하지 않으므로, "
                    "IAM 관리자가 스택을 적용합니다."),
    "until_user_attach": ("`{user}`에게 정책 `{policy}`이(가) 없어 태스크 정의를 등록할 수 없습니다. "
                          "스택을 적용하거나, IAM 관리자가 `deployer-policy.json`을 직접 연결할 때까지입니다. 예: "
                          "`aws iam put-user-policy --user-name {user} --policy-name {policy} "
                          "--policy-document file://deployer-policy.json`(스택이 정책을 연결한 뒤에는 이 인라인 "
                          "사본을 제거)."),
    "until_user_no_attach": ("`{user}`에게는 apply 후에도 정책 `{policy}`이(가) 없습니다. IAM 관리자가 "
                             "`aws iam attach-user-policy --user-name {user} --policy-arn {policy_arn}`로 연결하거나 "
                             "`deployer-policy.json`을 직접 추가해야 합니다."),
    "until_deployer_role_attach": ("`{role}`에게 정책 `{policy}`이(가) 없어 태스크 정의를 등록할 수 없습니다. "
                                   "스택을 적용하거나, IAM 관리자가 `deployer-policy.json`을 직접 연결할 때까지입니다. 예: "
                                   "`aws iam put-role-policy --role-name {role} --policy-name {policy} "
                                   "--policy-document file://deployer-policy.json`(스택이 정책을 연결한 뒤에는 이 인라인 "
                                   "사본을 제거)."),
    "until_deployer_role_no_attach": ("`{role}`에게는 apply 후에도 정책 `{policy}`이(가) 없습니다. IAM 관리자가 "
                                      "`aws iam attach-role-policy --role-name {role} --policy-arn {policy_arn}`로 "
                                      "연결하거나 `deployer-policy.json`을 직접 추가해야 합니다."),
    "until_roles_create": "역할 `{name}`이(가) 아직 없으므로 이 역할로는 태스크를 시작할 수 없습니다.",
    "until_roles_adopt": "역할 `{name}`은(는) 현재의 신뢰 정책과 권한을 유지하며, 위의 정책 문은 아직 없습니다.",
    "until_roles_external": "역할 `{name}`에 위의 인라인 정책이 없습니다.",
    "until_log_group": ("로그 그룹 `{name}`이(가) 없습니다. awslogs-create-group이 설정되지 않았고 실행 역할은 로그 "
                        "그룹을 만들 수 없으므로 태스크가 시작되지 않습니다."),
    "until_log_group_driver": ("로그 그룹 `{name}`이(가) 없습니다. awslogs-create-group이 true이지만 실행 역할이 아직 "
                               "logs:CreateLogGroup을 호출할 수 없으므로 태스크가 시작되지 않습니다."),
    "until_task_definition": ("패밀리 `{family}`의 리비전이 등록되어 있지 않습니다. 스택이 apply 때 등록하거나, "
                              "아래처럼 직접 등록합니다."),
    "h_warnings": "## 경고",
    "warnings_intro": "태스크 정의 검증에서 나온 경고입니다(synth도 출력합니다).",
    "no_warnings": "없음.",
    "h_register": "## 태스크 정의 등록",
    "register_intro": ("스택은 apply 때 리비전을 등록합니다. 대신 직접 등록하려면(AWS CLI, 또는 ECS 콘솔의 JSON 탭에 "
                       "`task-definition.rendered.json` 붙여넣기), 태스크 정의가 가리키는 것이 모두 있고 `{user}`에게 "
                       "배포 정책이 있을 때 이 디렉터리에서 다음을 실행하십시오."),
    "register_note": "등록할 때마다 새 리비전이 추가되며, 이전 리비전은 그대로 남습니다.",
    "h_proof": "## 권한 평가 증명",
    "proof_intro": ("아래 요청은 `{user}`이(가) 태스크 정의를 등록할 때와 ECS가 태스크를 시작할 때 AWS가 평가하는 "
                    "요청으로, 위의 정책 문이 아니라 태스크 정의 파일과 설정에서 도출했습니다. 각 요청을 IAM 정책 엔진 "
                    "`{engine}`으로 이 스택이 쓰는 정책(위의 정책 문, 실제 ARN)에 대해 평가했습니다. 필수 요청 "
                    "{required}개 중 {allowed}개 허용, 유사 요청 {near}개 중 {denied}개 거부."),
    "proof_trust": "역할 `{name}`의 신뢰 정책(보안 주체 `{service}`)",
    "proof_col_request": "요청",
    "proof_col_context": "컨텍스트",
    "proof_col_result": "결과",
    "proof_col_why": "AWS가 요청하는 이유",
    "proof_col_near": "유사 요청",
    "proof_near_intro": "거부되어야 하는 유사 요청:",
    "proof_allowed_by": "{sids}이(가) 허용",
    "proof_denied": "**거부** ({decision})",
    "proof_allowed": "{sids}이(가) **허용**",
    "proof_error": "**평가되지 않음**: {error}",
    "proof_not_evaluated": "이 스택이 정책을 쓰지 않으므로 평가하지 않은 것:",
    "proof_skipped_role": "역할 `{name}`의 요청: 스택이 이 역할에 아무것도 연결하지 않습니다(roles.pass_only).",
    "proof_skipped_trust": "역할 `{name}`의 신뢰 정책: 스택이 쓰지 않습니다(roles.mode `{mode}`).",
    "proof_skipped_elsewhere": ("`{resource}`에 대한 `{action}`: 계정 {account}에 있으며 그 계정의 리소스 정책도 "
                                "결정합니다. 이 스택은 그곳에 권한을 줄 수 없습니다"),
    "proof_limits": ("한계: 계정의 서비스 제어 정책, 리소스 제어 정책, 세션 정책, 권한 경계는 이 평가에 포함되지 "
                     "않습니다(`python main.py verify`가 실제 계정을 읽습니다). KMS 키는 기본 키 정책을 유지한다고 "
                     "가정합니다."),
    "h_quotas": "## AWS 할당량",
    "quotas_intro": ("이 스택이 각 보안 주체에 더하는 양을 IAM이 세는 방식(실제 ARN을 넣은 축소 JSON, 공백 제외)으로 "
                     "측정해 AWS 기본 할당량과 비교했습니다. 공유 보안 주체에는 다른 스택과 팀이 연결한 것도 있으며, "
                     "`python main.py verify`가 이를 더해 확인합니다."),
    "quota_col_what": "보안 주체 또는 객체",
    "quota_col_quota": "할당량",
    "quota_col_used": "사용량",
    "quota_col_limit": "한도",
    "quota_col_share": "비율",
    "overflow_note": ("인라인 정책에 모든 정책 문을 역할당 IAM 한도 10,240자 안에 담을 수 없어, 나머지는 이 스택이 "
                      "소유하고 역할에 연결하는 관리형 정책 `{name}`에 있습니다(관리형 정책 연결 10개 중 1개)."),
}

CATALOGS: dict[str, dict[str, str]] = {"en": EN, "ko": KO}
LANGUAGES = tuple(CATALOGS)


def display_width(text: str) -> int:
    """Columns a terminal gives ``text``: East Asian wide and full-width characters (Hangul) take two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)


def pad(text: str, width: int) -> str:
    """``text`` left-justified to ``width`` terminal columns (str.ljust counts characters, not columns)."""
    return text + " " * max(0, width - display_width(text))
