"""The deploy rehearsal: everything `sam deploy` does that can be done offline.

1. `sam validate --lint` and `sam validate` on template.yaml.
2. The SAM transform, offline, with SAM's own translator (the managed-policy
   loader stubbed: the template uses none), and assertions on the
   CloudFormation it produces.
3. That CloudFormation deployed into moto's CloudFormation (a moto server on
   loopback), with dummy code zips in a moto S3 bucket, and what the stack
   created read back through each service's API.
4. The build command SAM runs for each function (its own cargo-lambda
   builder, with a fake `cargo` on PATH that records the command line), and
   that it keeps unwinding panics; and `make deploy-code`'s command lines
   against the stack in moto.

Both front doors are rehearsed: the default (an HTTP API) in full, and a
second stack with `Frontend=FunctionUrl`, whose Function URL, public grants,
outputs and watchdog are read back.

moto cannot create API Gateway v2, Function URL or CloudWatch alarm resources
and skips them without failing: EXPECTED_SKIPS lists them, and any other
resource that comes back without a physical id fails the rehearsal.

Run by `make rehearse` (part of `make test`); exits non-zero on any failure.
"""

import ast
import copy
import io
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import boto3
import yaml
from samtranslator.translator.transform import transform

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"
REGION = "us-east-1"
STACK = "rehearsal"
BUCKET = "rehearsal-code"

# Resource types moto's CloudFormation accepts but does not create.
EXPECTED_SKIPS = {
    "AWS::ApiGatewayV2::Api",
    "AWS::ApiGatewayV2::Stage",
    "AWS::CloudWatch::Alarm",
    # The PluralKit-throttled metric filter: the template test checks its pattern.
    "AWS::Logs::MetricFilter",
    "AWS::SQS::QueuePolicy",
    # The archive's TLS-only policy: the template test checks it.
    "AWS::S3::BucketPolicy",
    # The Function URL front door: its two grants are read back instead.
    "AWS::Lambda::Url",
}

# Resource types moto creates but lists without a physical id: each is read
# back through its service's API instead (see read_back).
READ_BACK_BY_API = {
    "AWS::Events::EventBus",
    "AWS::Lambda::Permission",
}

# Properties moto's CloudFormation does not pass on to the service; checked
# when present, reported when not.
EXPECTED_PROPERTY_GAPS = {
    "EventsDeadLetterQueue.RedriveAllowPolicy": "moto's SQS resource ignores it",
    "Function.Architectures": "moto's Lambda resource ignores it (the transformed template is checked instead)",
    "ArchiveBucket.PublicAccessBlockConfiguration": "moto's S3 bucket resource ignores it",
    "ArchiveBucket.LifecycleConfiguration": "moto's S3 bucket resource ignores it",
    "ArchiveBucket.Policy": "ArchiveRequiresTls, an AWS::S3::BucketPolicy, is an expected skip",
}

PARAMETERS = {
    "DiscordPublicKeys": "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
    "ForwardUrl": "https://hooks.example.com/switchboard",
    "PluralKitTenants": "Enabled",
    "DiscordBotTokenParameter": "/switchboard/rehearsal/discord-bot-token",
    "PluralKitApiTokenParameter": "/switchboard/rehearsal/pluralkit-api-token",
}

# The other front door, with the watchdog's tokens left out.
URL_STACK = "rehearsal-url"
URL_PARAMETERS = {
    "DiscordPublicKeys": PARAMETERS["DiscordPublicKeys"],
    "Frontend": "FunctionUrl",
}

# The routes ingest serves, as API Gateway names their paths.
ROUTES = ("/discord", "/discord/interactions", "/pluralkit", "/pluralkit/{tenant}")

failures = []


def check(condition, what):
    """Records a failed promise; the rehearsal goes on to find the others."""
    if not condition:
        failures.append(what)
        print(f"  FAIL  {what}")


class CloudFormationLoader(yaml.SafeLoader):
    """Reads !Ref, !Sub, !GetAtt, ... as their long forms."""


def _intrinsic(loader, suffix, node):
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


CloudFormationLoader.add_multi_constructor("!", _intrinsic)


class NoManagedPolicies:
    """The template names no managed policy, so none is ever looked up."""

    def load(self):
        return {}


def sam_validate(env):
    for args in (["validate", "--lint"], ["validate"]):
        command = [str(Path(sys.executable).parent / "sam"), *args, "--template", str(TEMPLATE)]
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
        check(result.returncode == 0, f"sam {' '.join(args)}: {result.stdout}{result.stderr}")


def active_resources(cfn, parameters):
    """The resources CloudFormation creates for these parameters: each
    resource's Condition evaluated as CloudFormation does."""
    values = {name: spec.get("Default", "") for name, spec in cfn.get("Parameters", {}).items()}
    values.update(parameters)
    conditions = cfn.get("Conditions", {})
    cache = {}

    def value(node):
        if isinstance(node, dict) and "Ref" in node:
            return values.get(node["Ref"], node["Ref"])
        return node

    def holds(node):
        if isinstance(node, dict) and "Condition" in node:
            return condition(node["Condition"])
        (function, arguments), = node.items()
        if function == "Fn::Equals":
            return str(value(arguments[0])) == str(value(arguments[1]))
        if function == "Fn::Not":
            return not holds(arguments[0])
        if function == "Fn::And":
            return all(holds(argument) for argument in arguments)
        if function == "Fn::Or":
            return any(holds(argument) for argument in arguments)
        raise ValueError(f"condition function {function}")

    def condition(name):
        if name not in cache:
            cache[name] = holds(conditions[name])
        return cache[name]

    return {
        name: resource
        for name, resource in cfn["Resources"].items()
        if "Condition" not in resource or condition(resource["Condition"])
    }


def transformed_template(parameters=PARAMETERS):
    template = yaml.load(TEMPLATE.read_text(), Loader=CloudFormationLoader)
    # What `sam build` + `sam package` do: each function's code is a zip in S3.
    for name, resource in template["Resources"].items():
        if resource["Type"] == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = f"s3://{BUCKET}/{name}.zip"
            resource.pop("Metadata", None)
    return transform(template, dict(parameters), NoManagedPolicies())


def by_type_of(resources):
    by_type = {}
    for name, resource in resources.items():
        by_type.setdefault(resource["Type"], {})[name] = resource
    return by_type


def check_transformed(cfn):
    by_type = by_type_of(active_resources(cfn, PARAMETERS))
    functions = by_type.get("AWS::Lambda::Function", {})
    check(set(functions) == {"IngestFunction", "ProcessorFunction", "WatchdogFunction"}, f"functions: {sorted(functions)}")
    for name, function in functions.items():
        properties = function["Properties"]
        check(properties.get("Architectures") == ["arm64"], f"{name}: arm64")
        check(properties.get("Runtime") == "provided.al2023", f"{name}: provided.al2023")
        check(properties.get("LoggingConfig", {}).get("LogFormat") == "JSON", f"{name}: JSON LoggingConfig")
    routes = {
        route["Properties"]["RouteKey"]: route for route in by_type.get("AWS::ApiGatewayV2::Route", {}).values()
    } if "AWS::ApiGatewayV2::Route" in by_type else {}
    # The translator writes the HTTP API as an OpenAPI body, not as Route resources.
    apis = by_type.get("AWS::ApiGatewayV2::Api", {})
    check(len(apis) == 1, f"one HTTP API: {sorted(apis)}")
    for api in apis.values():
        paths = api["Properties"].get("Body", {}).get("paths", {})
        for path in ROUTES:
            post = paths.get(path, {}).get("post", {})
            integration = post.get("x-amazon-apigateway-integration", {})
            check(bool(post), f"route POST {path}")
            check(integration.get("payloadFormatVersion") == "2.0", f"POST {path}: payload format 2.0")
            check(len(paths.get(path, {})) == 1, f"{path}: POST only, got {sorted(paths.get(path, {}))}")
        check(set(paths) == set(ROUTES), f"only the four routes: {sorted(paths)}")
    check(not routes or set(routes) == {f"POST {path}" for path in ROUTES}, f"routes: {sorted(routes)}")
    # /pluralkit's own throttling lands on the stage, keyed by its route.
    stages = by_type.get("AWS::ApiGatewayV2::Stage", {})
    route_settings = [stage["Properties"].get("RouteSettings", {}) for stage in stages.values()]
    check(
        any(settings.get("POST /pluralkit", {}).get("ThrottlingRateLimit") == {"Ref": "PluralKitThrottlingRateLimit"}
            for settings in route_settings),
        f"POST /pluralkit has its own throttling on the stage: {route_settings}",
    )
    permissions = {
        name: permission
        for name, permission in by_type.get("AWS::Lambda::Permission", {}).items()
        if permission["Properties"]["Principal"] == "apigateway.amazonaws.com"
    }
    check(
        set(by_type.get("AWS::Lambda::Permission", {})) - set(permissions) == {"WatchdogFunctionSchedulePermission"},
        f"no grant beyond the API's and the schedule's: {sorted(by_type.get('AWS::Lambda::Permission', {}))}",
    )
    check("AWS::Lambda::Url" not in by_type, "no Function URL beside the HTTP API")
    source_arns = sorted(json.dumps(p["Properties"].get("SourceArn")) for p in permissions.values())
    check(len(permissions) == len(ROUTES), f"an API permission per route: {sorted(permissions)}")
    for path in ROUTES:
        # SAM writes a path parameter as `*` in the permission's ARN.
        path = path.replace("{tenant}", "*")
        check(
            any(f"execute-api" in arn and f"/POST{path}" in arn for arn in source_arns),
            f"a permission for POST {path} only: {source_arns}",
        )
    alarms = set(by_type.get("AWS::CloudWatch::Alarm", {}))
    check(
        alarms
        == {
            "PluralKitEventLostAlarm",
            "PluralKitTokensUnavailableAlarm",
            "PluralKitTenantsUnavailableAlarm",
            "PluralKitThrottledAlarm",
            "Discord5xxAlarm",
            "DiscordInteractionFailedAlarm",
            "IngestErrorsAlarm",
            "ProcessorErrorsAlarm",
            "QueueAgeAlarm",
            "DeadLetterQueueAlarm",
            "WatchdogFailedAlarm",
            "WatchdogSilentAlarm",
        },
        f"alarms: {sorted(alarms)}",
    )
    check_watchdog_transformed(by_type)
    mappings = by_type.get("AWS::Lambda::EventSourceMapping", {})
    check(len(mappings) == 1, f"one event source mapping: {sorted(mappings)}")
    return by_type


def check_watchdog_transformed(by_type):
    """The watchdog: on its schedule, alarmed, with its two token parameters."""
    rules = by_type.get("AWS::Events::Rule", {})
    check(
        [rule["Properties"].get("ScheduleExpression") for rule in rules.values()] == [{"Ref": "WatchdogSchedule"}],
        f"the watchdog's schedule: {rules}",
    )
    for rule in rules.values():
        targets = rule["Properties"].get("Targets", [])
        check(
            [target.get("Arn") for target in targets] == [{"Fn::GetAtt": ["WatchdogFunction", "Arn"]}],
            f"the schedule invokes the watchdog: {targets}",
        )
    alarm = by_type["AWS::CloudWatch::Alarm"]["WatchdogFailedAlarm"]["Properties"]
    metrics = {m["Id"]: m for m in alarm["Metrics"]}
    watched = metrics["failures"]["MetricStat"]["Metric"]
    check(
        watched["MetricName"] == "WatchdogFailures" and watched["Dimensions"] == [{"Name": "Check", "Value": "all"}],
        f"the watchdog alarm watches WatchdogFailures by Check=all: {watched}",
    )
    silent = by_type["AWS::CloudWatch::Alarm"]["WatchdogSilentAlarm"]["Properties"]
    check(
        (silent["MetricName"], silent["Dimensions"], silent["ComparisonOperator"], silent["TreatMissingData"])
        == ("Invocations", [{"Name": "FunctionName", "Value": {"Ref": "WatchdogFunction"}}], "LessThanThreshold", "breaching"),
        f"the heartbeat alarm counts the watchdog's invocations, missing data as silence: {silent}",
    )
    variables = by_type["AWS::Lambda::Function"]["WatchdogFunction"]["Properties"]["Environment"]["Variables"]
    check(
        variables.get("DISCORD_BOT_TOKEN_PARAMETER") == {"Ref": "DiscordBotTokenParameter"}
        and "DISCORD_BOT_TOKEN" not in variables
        and "PLURALKIT_API_TOKEN" not in variables,
        f"the watchdog's tokens are parameters, never values: {sorted(variables)}",
    )


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_moto():
    port = free_port()
    moto = subprocess.Popen(
        [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=open(os.environ["REHEARSAL_MOTO_LOG"], "w") if os.environ.get("REHEARSAL_MOTO_LOG") else subprocess.DEVNULL,
    )
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return moto, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.1)
    moto.kill()
    raise SystemExit("moto did not start")


def dummy_zip():
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        archive.writestr("bootstrap", "#!/bin/sh\nexit 0\n")
    return data.getvalue()


def deploy(cfn, endpoint, stack_name=STACK, parameters=PARAMETERS):
    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    )
    client = lambda service: session.client(service, endpoint_url=endpoint)
    s3 = client("s3")
    if BUCKET not in {b["Name"] for b in s3.list_buckets().get("Buckets", [])}:
        s3.create_bucket(Bucket=BUCKET)
    for name in ("IngestFunction", "ProcessorFunction", "WatchdogFunction"):
        s3.put_object(Bucket=BUCKET, Key=f"{name}.zip", Body=dummy_zip())
    cloudformation = client("cloudformation")
    cloudformation.create_stack(
        StackName=stack_name,
        TemplateBody=json.dumps(cfn),
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"],
    )
    deadline = time.time() + 40
    while True:
        stack = cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]
        if not stack["StackStatus"].endswith("IN_PROGRESS") or time.time() > deadline:
            break
        time.sleep(0.5)
    check(stack["StackStatus"] == "CREATE_COMPLETE", f"stack: {stack['StackStatus']} {stack.get('StackStatusReason', '')}")
    return client, cloudformation, stack


def read_back(client, cloudformation, stack, by_type, inactive):
    resources = cloudformation.list_stack_resources(StackName=STACK)["StackResourceSummaries"]
    if os.environ.get("REHEARSAL_DEBUG"):
        for r in resources:
            print("   ", r["LogicalResourceId"], r["ResourceType"], repr(r.get("PhysicalResourceId")), r.get("ResourceStatus"))
    physical = {r["LogicalResourceId"]: r.get("PhysicalResourceId") for r in resources}
    # The first part of the stack's id, in the retained resources' names.
    instance = stack["StackId"].split("/")[2].split("-")[0]
    created_types = {r["LogicalResourceId"]: r["ResourceType"] for r in resources}
    expected = {name: kind for kind, names in by_type.items() for name in names}
    skipped = sorted(name for name, kind in expected.items() if kind in EXPECTED_SKIPS)
    # moto lists what it skipped as entries without a logical id: exactly these.
    # moto lists what it skipped, and what a false condition left out, as
    # entries without a logical id: exactly these.
    unnamed = sum(1 for r in resources if not r["LogicalResourceId"])
    check(
        unnamed == len(skipped) + len(inactive),
        f"moto skipped {unnamed} resources, not the {len(skipped)} expected ({skipped}) and the {len(inactive)} left out ({inactive})",
    )
    for name, kind in sorted(expected.items()):
        if kind in EXPECTED_SKIPS:
            continue
        if kind in READ_BACK_BY_API:
            check(name in created_types, f"{name} ({kind}) is not in the stack")
            continue
        check(bool(physical.get(name)), f"{name} ({kind}) was not created")
    print(f"  expected skips (moto cannot create them): {', '.join(skipped)}")
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}

    sqs = client("sqs")
    queue_url = physical["EventsQueue"]
    check(queue_url.endswith(f"/{STACK}-{instance}-events"), f"the queue's name: {queue_url}")
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]
    check(attributes.get("SqsManagedSseEnabled") == "true", f"queue SSE: {attributes.get('SqsManagedSseEnabled')}")
    check(attributes.get("VisibilityTimeout") == "180", f"queue visibility: {attributes.get('VisibilityTimeout')}")
    redrive = json.loads(attributes.get("RedrivePolicy", "{}"))
    check(str(redrive.get("maxReceiveCount")) == "5", f"redrive: {redrive}")
    dlq_url = physical["EventsDeadLetterQueue"]
    dlq = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["All"])["Attributes"]
    check(redrive.get("deadLetterTargetArn") == dlq.get("QueueArn"), "redrive to the DLQ")
    check(dlq.get("MessageRetentionPeriod") == "1209600", "DLQ keeps 14 days")
    if "RedriveAllowPolicy" in dlq:
        allow = json.loads(dlq["RedriveAllowPolicy"])
        check(allow.get("redrivePermission") == "byQueue" and allow.get("sourceQueueArns") == [attributes["QueueArn"]], f"DLQ redrive-allow: {allow}")
    else:
        gap = "EventsDeadLetterQueue.RedriveAllowPolicy"
        print(f"  expected gap: {gap} ({EXPECTED_PROPERTY_GAPS[gap]}); the template test holds it")
    # QueuesRequireTls is an expected skip: moto applies no queue policy.

    iam = client("iam")
    watchdog_grants = []
    for role, function in (("IngestRole", "ingest"), ("ProcessorRole", "processor"), ("WatchdogRole", "watchdog")):
        role_name = physical.get(role)
        policies = iam.list_role_policies(RoleName=role_name)["PolicyNames"]
        check(bool(policies), f"{role_name}: inline policies")
        for statement, actions, targets in role_statements(iam, role_name):
            print(f"  {role_name}: {statement.get('Sid')}: {', '.join(actions)}")
            if role == "WatchdogRole":
                watchdog_grants.extend((action, str(target)) for action in actions for target in targets)
            check(not any("*" in a for a in actions), f"{role_name}: wildcard action {actions}")
            for target in map(str, targets):
                if ":log-group:" in target:
                    # AWS's LogGroup.Arn ends in ":*" (the group's streams,
                    # which Lambda names as it goes); moto's does not.
                    deployed = target if target.endswith(":*") else target + ":*"
                    own = f":log-group:/switchboard/{STACK}/{instance}/{function}:*"
                    check(deployed.endswith(own) and deployed.count("*") == 1, f"{role_name}: logs beyond its own group's streams: {deployed}")
                    continue
                if target == f"arn:aws:s3:::{physical.get('ArchiveBucket')}/archive/*":
                    # S3 names objects by key: a prefix is how a policy
                    # says "under archive/ only".
                    continue
                check("*" not in target, f"{role_name}: wildcard resource {target}")

    check_watchdog_grants(watchdog_grants, STACK, PARAMETERS)

    lambda_ = client("lambda")
    for name, memory, timeout in (("IngestFunction", 128, 10), ("ProcessorFunction", 128, 30), ("WatchdogFunction", 128, 120)):
        config = lambda_.get_function(FunctionName=physical[name])["Configuration"]
        check(config["Runtime"] == "provided.al2023", f"{name}: runtime {config['Runtime']}")
        if config.get("Architectures") != ["arm64"]:
            print(f"  expected gap: {name}.Architectures = {config.get('Architectures')} ({EXPECTED_PROPERTY_GAPS['Function.Architectures']})")
        check(config["MemorySize"] == memory and config["Timeout"] == timeout, f"{name}: {config['MemorySize']} MB, {config['Timeout']} s")
        variables = config.get("Environment", {}).get("Variables", {})
        if name == "IngestFunction":
            check(variables.get("QUEUE_URL") == queue_url, f"ingest QUEUE_URL: {variables.get('QUEUE_URL')}")
            check(variables.get("PLURALKIT_SIGNING_TOKEN_PARAMETER") == f"/switchboard/{STACK}/pluralkit-signing-token", "ingest token parameter")
            check("PLURALKIT_SIGNING_TOKEN" not in variables, "no token in ingest's environment")
            check(variables.get("PLURALKIT_TENANT_TABLE") == physical.get("TenantTable"), f"ingest's tenant table: {variables.get('PLURALKIT_TENANT_TABLE')}")
        elif name == "WatchdogFunction":
            check_watchdog_variables(variables, PARAMETERS)
        else:
            check(variables.get("EVENT_BUS_NAME") == f"switchboard-{STACK}", f"processor bus: {variables.get('EVENT_BUS_NAME')}")
            check(bool(variables.get("IDEMPOTENCY_TABLE")), "processor table")
            check(variables.get("FORWARD_URL") == PARAMETERS["ForwardUrl"], "processor FORWARD_URL")
            check(variables.get("FORWARD_SECRET_PARAMETER") == f"/switchboard/{STACK}/forward-secret", "processor forward secret parameter")
            check("FORWARD_SECRET" not in variables, "no secret in the processor's environment")
            check(variables.get("ARCHIVE_BUCKET") == physical.get("ArchiveBucket"), f"processor archive: {variables.get('ARCHIVE_BUCKET')}")
    permissions = json.loads(lambda_.get_policy(FunctionName=physical["IngestFunction"])["Policy"])["Statement"]
    source_arns = [json.dumps(p.get("Condition", {})) for p in permissions]
    check(len(permissions) == len(ROUTES), f"ingest's resource policy: {len(permissions)} statements")
    for path in ROUTES:
        path = path.replace("{tenant}", "*")
        check(any(f"/POST{path}" in arn for arn in source_arns), f"ingest may be invoked for POST {path}: {source_arns}")
    dashboard = client("cloudwatch").get_dashboard(DashboardName=f"switchboard-{STACK}")
    widgets = json.loads(dashboard["DashboardBody"])["widgets"]
    check(len(widgets) >= 8, f"dashboard widgets: {len(widgets)}")
    mappings = lambda_.list_event_source_mappings(FunctionName=physical["ProcessorFunction"])["EventSourceMappings"]
    check(len(mappings) == 1, f"event source mappings: {len(mappings)}")
    for mapping in mappings:
        check(mapping.get("BatchSize") == 10, f"batch size {mapping.get('BatchSize')}")
        check(mapping.get("FunctionResponseTypes") == ["ReportBatchItemFailures"], f"{mapping.get('FunctionResponseTypes')}")
        check(mapping.get("ScalingConfig", {}).get("MaximumConcurrency") == 5, f"scaling {mapping.get('ScalingConfig')}")

    check_schedule(client("events"), physical["WatchdogFunction"])
    groups = {g["logGroupName"] for g in client("logs").describe_log_groups()["logGroups"]}
    for suffix in ("ingest", "processor", "api-access", "watchdog"):
        check(f"/switchboard/{STACK}/{instance}/{suffix}" in groups, f"log group {suffix}: {sorted(groups)}")
    table = client("dynamodb").describe_table(TableName=physical["IdempotencyTable"])["Table"]
    check(table.get("BillingModeSummary", {}).get("BillingMode") == "PAY_PER_REQUEST", "table on demand")
    bus = client("events").describe_event_bus(Name=f"switchboard-{STACK}")
    check(bus["Name"] == f"switchboard-{STACK}", "event bus")
    check_archive(client("s3"), physical, outputs)
    check(outputs.get("AlarmNotifications", "").startswith("NOBODY"), f"alarms without a topic say so: {outputs}")
    check(outputs.get("PluralKitSigningTokenParameter") == f"/switchboard/{STACK}/pluralkit-signing-token", f"outputs: {outputs}")
    # set-token and set-secret encrypt with this key; without SecretsKmsKeyArn, SSM's own.
    check(outputs.get("SecretsKmsKeyId") == "alias/aws/ssm", f"secrets key output: {outputs.get('SecretsKmsKeyId')}")
    return physical


def check_watchdog_grants(grants, stack_name, parameters):
    """The watchdog reads its token parameters through SSM and writes its
    logs: nothing else, no queue, table or bus."""
    parameter_arns = sorted(
        f"arn:aws:ssm:{REGION}:123456789012:parameter{parameters[name]}"
        for name in ("DiscordBotTokenParameter", "PluralKitApiTokenParameter")
        if parameters.get(name)
    )
    reads = sorted(target for action, target in grants if action == "ssm:GetParameter")
    check(reads == parameter_arns, f"the watchdog reads exactly its token parameters: {reads}, not {parameter_arns}")
    others = sorted({action for action, _ in grants} - {"ssm:GetParameter", "logs:CreateLogStream", "logs:PutLogEvents"})
    check(not others, f"the watchdog may do nothing else: {others}")
    print(f"  {stack_name}: the watchdog may read {len(reads)} parameter(s) and write its logs, nothing else")


def check_watchdog_variables(variables, parameters):
    """The watchdog probes this stack's own front door, and finds its tokens
    by parameter name only."""
    base = variables.get("WATCHDOG_BASE_URL", "")
    check(base.startswith("https://") and not base.rstrip("/").endswith(("/discord", "/pluralkit")), f"WATCHDOG_BASE_URL: {base!r}")
    for variable, parameter in (("DISCORD_BOT_TOKEN_PARAMETER", "DiscordBotTokenParameter"), ("PLURALKIT_API_TOKEN_PARAMETER", "PluralKitApiTokenParameter")):
        check(variables.get(variable, "") == parameters.get(parameter, ""), f"watchdog {variable}: {variables.get(variable)!r}")
    check(not {"DISCORD_BOT_TOKEN", "PLURALKIT_API_TOKEN"} & set(variables), "no token in the watchdog's environment")
    check(variables.get("WATCHDOG_TENANT_ROUTE") == ("true" if parameters.get("PluralKitTenants") == "Enabled" else "false"), f"the tenant probe: {variables.get('WATCHDOG_TENANT_ROUTE')}")
    print(f"  watchdog probes {base}")


def check_schedule(events, watchdog_name):
    """The schedule's rule, read back through EventBridge: every 5 minutes,
    invoking the watchdog."""
    rules = [rule for rule in events.list_rules()["Rules"] if rule.get("ScheduleExpression")]
    check([rule["ScheduleExpression"] for rule in rules] == ["rate(5 minutes)"], f"the watchdog's schedule: {rules}")
    for rule in rules:
        check(rule.get("State") == "ENABLED", f"the schedule is enabled: {rule.get('State')}")
        targets = events.list_targets_by_rule(Rule=rule["Name"])["Targets"]
        check([target["Arn"].rsplit(":", 1)[-1] for target in targets] == [watchdog_name], f"the schedule invokes the watchdog: {targets}")
        print(f"  schedule {rule['ScheduleExpression']} -> {watchdog_name}")


def role_statements(iam, role_name):
    """Each statement of a role's inline policies as moto gives it back, with
    its actions and resources as lists."""
    for policy in iam.list_role_policies(RoleName=role_name)["PolicyNames"]:
        document = iam.get_role_policy(RoleName=role_name, PolicyName=policy)["PolicyDocument"]
        if isinstance(document, str):
            try:
                document = json.loads(document)
            except json.JSONDecodeError:
                # moto keeps what CloudFormation gave it as Python text.
                document = ast.literal_eval(document)
        # moto renders an `Fn::If` that chose AWS::NoValue as None.
        for statement in filter(None, document["Statement"]):
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            targets = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            yield statement, actions, targets


def check_archive(s3, physical, outputs):
    """The archive's bucket as the issue describes it: SSE, public access
    blocked, TLS only, expiring under archive/, versioning off."""
    bucket = physical.get("ArchiveBucket")
    check(bool(bucket) and outputs.get("ArchiveBucketName") == bucket, f"archive bucket output: {outputs.get('ArchiveBucketName')}")
    def read(what, call, key):
        # moto's S3 resource passes on only some bucket properties.
        try:
            return call(Bucket=bucket)[key]
        except s3.exceptions.ClientError as error:
            gap = f"ArchiveBucket.{what}"
            check(gap in EXPECTED_PROPERTY_GAPS, f"archive {what}: {error}")
            print(f"  expected gap: {gap} ({EXPECTED_PROPERTY_GAPS[gap]}); the template test holds it")
            return None

    rules = read("BucketEncryption", s3.get_bucket_encryption, "ServerSideEncryptionConfiguration")
    if rules is not None:
        algorithm = rules["Rules"][0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"]
        check(algorithm == "AES256", f"archive SSE: {rules}")
    block = read("PublicAccessBlockConfiguration", s3.get_public_access_block, "PublicAccessBlockConfiguration")
    if block is not None:
        check(all(block.get(k) for k in ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets")), f"archive public access: {block}")
    policy = read("Policy", s3.get_bucket_policy, "Policy")
    if policy is not None:
        deny = [st for st in json.loads(policy)["Statement"] if st["Effect"] == "Deny"]
        check(any(st.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") == "false" for st in deny), f"archive TLS only: {policy}")
    lifecycle = read("LifecycleConfiguration", s3.get_bucket_lifecycle_configuration, "Rules")
    if lifecycle is not None:
        check(any(r.get("Expiration", {}).get("Days") == 400 and "archive/" in json.dumps(r) for r in lifecycle), f"archive lifecycle: {lifecycle}")
    check(s3.get_bucket_versioning(Bucket=bucket).get("Status") in (None, "Suspended"), "archive versioning off")
    print(f"  archive bucket {bucket}: read back")


FAKE_CARGO = """#!/bin/sh
echo "cargo $*" >> "$FAKE_CARGO_LOG"
"""


def fake_cargo(directory):
    """A `cargo` (and `cargo-lambda`) that records its command line."""
    log = directory / "commands.log"
    for name in ("cargo", "cargo-lambda"):
        path = directory / name
        path.write_text(FAKE_CARGO)
        path.chmod(0o755)
    os.environ["FAKE_CARGO_LOG"] = str(log)
    return log


def check_build_command(bin_dir):
    """SAM's builder for `BuildMethod: rust-cargolambda` on arm64, as SAM runs it."""
    import tomllib

    from aws_lambda_builders.architecture import ARM64
    from aws_lambda_builders.binary_path import BinaryPath
    from aws_lambda_builders.utils import which
    from aws_lambda_builders.workflow import BuildMode
    from aws_lambda_builders.workflows.rust_cargo.actions import RustCargoLambdaBuildAction
    from aws_lambda_builders.workflows.rust_cargo.cargo_lambda import SubprocessCargoLambda

    log = fake_cargo(bin_dir)
    template = yaml.load(TEMPLATE.read_text(), Loader=CloudFormationLoader)
    for name, resource in template["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        check(resource["Metadata"]["BuildMethod"] == "rust-cargolambda", f"{name}: built by SAM's cargo-lambda builder")
        binary = resource["Metadata"]["BuildProperties"]["Binary"]
        action = RustCargoLambdaBuildAction(
            str(ROOT),
            {"cargo": BinaryPath(None, None, "cargo", binary_path=str(bin_dir / "cargo"))},
            BuildMode.RELEASE,
            SubprocessCargoLambda(which=which, executable_search_paths=[str(bin_dir)]),
            runtime="provided.al2023",
            architecture=ARM64,
            handler=binary,
        )
        action.execute()
    commands = log.read_text().splitlines()
    print("  SAM runs: " + "; ".join(commands))
    for binary in ("ingest", "processor"):
        check(
            f"cargo lambda build --release --arm64 --bin {binary}" in commands,
            f"SAM builds {binary} with `cargo lambda build --release … --bin {binary}`: {commands}",
        )
    # cargo-lambda adds `panic = "abort"` to a --release build unless the
    # release profile sets `panic` itself; the processor needs unwinding.
    profile = tomllib.loads((ROOT / "Cargo.toml").read_text())["profile"]["release"]
    check(profile.get("panic") == "unwind", f"the release profile keeps unwinding panics: {profile}")
    log.unlink()


def check_deploy_code(bin_dir, endpoint, physical):
    """`make deploy-code` against the stack in moto, with the fake cargo."""
    log = fake_cargo(bin_dir)
    env = dict(os.environ, AWS_ENDPOINT_URL=endpoint, PATH=f"{bin_dir}:{os.environ['PATH']}")
    result = subprocess.run(
        [sys.executable, str(ROOT / "deploy" / "deploy_code.py"), STACK],
        env=env, capture_output=True, text=True, timeout=60,
    )
    check(result.returncode == 0, f"deploy-code: {result.stdout}{result.stderr}")
    commands = log.read_text().splitlines() if log.exists() else []
    print("  deploy-code runs: " + "; ".join(commands))
    check(
        commands
        == [
            "cargo lambda build --release --arm64 --bin ingest --bin processor --bin watchdog",
            f"cargo lambda deploy --binary-name ingest {physical['IngestFunction']}",
            f"cargo lambda deploy --binary-name processor {physical['ProcessorFunction']}",
            f"cargo lambda deploy --binary-name watchdog {physical['WatchdogFunction']}",
        ],
        f"deploy-code's commands: {commands}",
    )


def check_redeploy_after_delete(client, cloudformation, cfn, physical):
    """`sam delete` then `sam deploy` under the same name: the retained queues,
    table and log groups stay, and the new stack must not collide with them."""
    cloudformation.delete_stack(StackName=STACK)
    deadline = time.time() + 40
    while time.time() < deadline:
        stacks = [s for s in cloudformation.list_stacks()["StackSummaries"] if s["StackName"] == STACK]
        if all(s["StackStatus"] == "DELETE_COMPLETE" for s in stacks):
            break
        time.sleep(0.5)
    old_queues = {url.rsplit("/", 1)[-1] for url in client("sqs").list_queues().get("QueueUrls", [])}
    old_groups = {g["logGroupName"] for g in client("logs").describe_log_groups()["logGroups"]}
    retained = [physical[name].rsplit("/", 1)[-1] for name in ("EventsQueue", "EventsDeadLetterQueue")]
    check(all(name in old_queues for name in retained), f"sam delete keeps the queues: {sorted(old_queues)}")
    check(physical["IngestLogGroup"] in old_groups, f"sam delete keeps the log groups: {sorted(old_groups)}")
    try:
        cloudformation.create_stack(
            StackName=STACK,
            TemplateBody=json.dumps(cfn),
            Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in PARAMETERS.items()],
            Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"],
        )
    except cloudformation.exceptions.ClientError as error:
        check(False, f"deploy after delete: {error}")
        return
    deadline = time.time() + 40
    while True:
        stack = cloudformation.describe_stacks(StackName=STACK)["Stacks"][0]
        if not stack["StackStatus"].endswith("IN_PROGRESS") or time.time() > deadline:
            break
        time.sleep(0.5)
    check(stack["StackStatus"] == "CREATE_COMPLETE", f"deploy after delete: {stack['StackStatus']} {stack.get('StackStatusReason', '')}")
    again = {r["LogicalResourceId"]: r.get("PhysicalResourceId") for r in cloudformation.list_stack_resources(StackName=STACK)["StackResourceSummaries"]}
    for name in ("EventsQueue", "EventsDeadLetterQueue", "IngestLogGroup", "ProcessorLogGroup", "ApiAccessLogGroup"):
        check(again.get(name) and again.get(name) != physical.get(name), f"{name}: a new one beside the retained one ({physical.get(name)} then {again.get(name)})")
    print(f"  deployed again beside the retained {', '.join(sorted(set(physical[n] for n in ('EventsQueue', 'IngestLogGroup'))))}")


def check_function_url_transformed(cfn):
    """`Frontend=FunctionUrl`: a public Function URL with both grants
    everyone needs since October 2025, and no HTTP API or what reads its log."""
    active = active_resources(cfn, URL_PARAMETERS)
    by_type = by_type_of(active)
    left_out = {"WebhookApi", "ApiAccessLogGroup", "PluralKitThrottledMetricFilter", "PluralKitThrottledAlarm"}
    check(not left_out & set(active), f"no HTTP API with a Function URL: {sorted(left_out & set(active))}")
    check("AWS::ApiGatewayV2::Api" not in by_type, "no HTTP API with a Function URL")
    urls = by_type.get("AWS::Lambda::Url", {})
    check(
        [(u["Properties"]["AuthType"], u["Properties"]["TargetFunctionArn"]) for u in urls.values()]
        == [("NONE", {"Fn::GetAtt": ["IngestFunction", "Arn"]})],
        f"one public Function URL on ingest: {urls}",
    )
    grants = sorted(
        (p["Properties"]["Action"], p["Properties"]["Principal"], p["Properties"].get("FunctionUrlAuthType"), p["Properties"].get("InvokedViaFunctionUrl"))
        for p in by_type.get("AWS::Lambda::Permission", {}).values()
        if p["Properties"]["FunctionName"] == {"Ref": "IngestFunction"}
    )
    check(
        grants == [("lambda:InvokeFunction", "*", None, True), ("lambda:InvokeFunctionUrl", "*", "NONE", None)],
        f"both public grants, InvokeFunction only through the URL: {grants}",
    )
    return by_type


# What moto's CloudFormation cannot give: it has no model for
# AWS::Lambda::Url, so `!GetAtt IngestFunctionUrl.FunctionUrl` is stood in
# for by the form Lambda gives it.
FUNCTION_URL_STAND_IN = f"https://rehearsal-stand-in.lambda-url.{REGION}.on.aws/"


def stand_in_function_url(node):
    """The template with every `!GetAtt IngestFunctionUrl.FunctionUrl` (and
    `${IngestFunctionUrl.FunctionUrl}` in a `!Sub`) replaced by FUNCTION_URL_STAND_IN, and how many there were."""
    if node == {"Fn::GetAtt": ["IngestFunctionUrl", "FunctionUrl"]}:
        return FUNCTION_URL_STAND_IN, 1
    if isinstance(node, str) and "${IngestFunctionUrl.FunctionUrl}" in node:
        return node.replace("${IngestFunctionUrl.FunctionUrl}", FUNCTION_URL_STAND_IN), 1
    if isinstance(node, dict):
        pairs = [(key, stand_in_function_url(value)) for key, value in node.items()]
        return {key: value for key, (value, _) in pairs}, sum(n for _, (_, n) in pairs)
    if isinstance(node, list):
        items = [stand_in_function_url(value) for value in node]
        return [value for value, _ in items], sum(n for _, n in items)
    return node, 0


def rehearse_function_url(endpoint):
    """The second front door, deployed beside the first and read back."""
    cfn = transformed_template(URL_PARAMETERS)
    by_type = check_function_url_transformed(cfn)
    deployable, stood_in = stand_in_function_url(copy.deepcopy(cfn))
    print(f"  expected gap: the Function URL's address, stood in for in {stood_in} places (moto has no AWS::Lambda::Url)")
    client, cloudformation, stack = deploy(deployable, endpoint, URL_STACK, URL_PARAMETERS)
    resources = cloudformation.list_stack_resources(StackName=URL_STACK)["StackResourceSummaries"]
    physical = {r["LogicalResourceId"]: r.get("PhysicalResourceId") for r in resources}
    inactive = set(cfn["Resources"]) - set(active_resources(cfn, URL_PARAMETERS))
    skipped = sorted(name for kind, names in by_type.items() if kind in EXPECTED_SKIPS for name in names)
    unnamed = sum(1 for r in resources if not r["LogicalResourceId"])
    check("IngestFunctionUrl" in skipped, f"the Function URL is an expected skip: {skipped}")
    check(unnamed == len(skipped) + len(inactive), f"{URL_STACK}: moto skipped {unnamed}, not {skipped} and {len(inactive)} left out")
    lambda_ = client("lambda")
    statements = json.loads(lambda_.get_policy(FunctionName=physical["IngestFunction"])["Policy"])["Statement"]
    actions = sorted((s["Action"], json.dumps(s["Principal"])) for s in statements)
    # moto keeps each grant's properties as CloudFormation gave them.
    scoped = sorted((s["Action"], s.get("FunctionUrlAuthType"), s.get("InvokedViaFunctionUrl")) for s in statements)
    check(
        scoped == [("lambda:InvokeFunction", None, True), ("lambda:InvokeFunctionUrl", "NONE", None)],
        f"{URL_STACK}: InvokeFunctionUrl for AuthType NONE, InvokeFunction through the URL only: {scoped}",
    )
    print(f"  {URL_STACK}: ingest's resource policy: {actions}")
    check(
        [a for a, _ in actions] == ["lambda:InvokeFunction", "lambda:InvokeFunctionUrl"]
        and all("*" in principal for _, principal in actions),
        f"{URL_STACK}: ingest may be invoked by everyone through its URL only: {actions}",
    )
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    print(f"  {URL_STACK}: outputs {', '.join(f'{k}={outputs.get(k)}' for k in ('Frontend', 'DiscordWebhookUrl', 'PluralKitWebhookUrl'))}")
    check(outputs.get("Frontend") == "FunctionUrl", f"{URL_STACK}: the Frontend output: {outputs.get('Frontend')}")
    check("execute-api" not in json.dumps(outputs), f"{URL_STACK}: no output names the HTTP API: {outputs}")
    for key, route in (("DiscordWebhookUrl", "discord"), ("DiscordInteractionsUrl", "discord/interactions"), ("PluralKitWebhookUrl", "pluralkit")):
        check(outputs.get(key) == FUNCTION_URL_STAND_IN + route, f"{URL_STACK}: {key} is the Function URL's /{route}: {outputs.get(key)}")
    grants = [
        (action, str(target))
        for _, actions, targets in role_statements(client("iam"), physical["WatchdogRole"])
        for action in actions
        for target in targets
    ]
    check_watchdog_grants(grants, URL_STACK, URL_PARAMETERS)
    variables = lambda_.get_function(FunctionName=physical["WatchdogFunction"])["Configuration"]["Environment"]["Variables"]
    check_watchdog_variables(variables, URL_PARAMETERS)
    check(variables.get("WATCHDOG_BASE_URL") == FUNCTION_URL_STAND_IN, f"{URL_STACK}: the watchdog probes the Function URL: {variables.get('WATCHDOG_BASE_URL')}")


def check_alarm_notice(cloudformation):
    """What `make deploy` prints after the deploy: the rehearsal has no topic."""
    sys.path.insert(0, str(ROOT / "deploy"))
    import alarm_notice

    lines = alarm_notice.notice(cloudformation, STACK)
    print("  " + "\n  ".join(lines))
    check(any(line.startswith("WARNING") and "NOBODY" in line for line in lines), f"no warning: {lines}")
    check(alarm_notice.stack_name() == "switchboard", "the stack name samconfig.toml saves")


def main():
    started = time.time()
    env = dict(os.environ, AWS_DEFAULT_REGION=REGION, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")
    os.environ.update({k: env[k] for k in ("AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")})
    print("sam validate")
    sam_validate(env)
    print("SAM transform (offline)")
    cfn = transformed_template()
    by_type = check_transformed(cfn)
    print("SAM's build command")
    with tempfile.TemporaryDirectory() as bin_dir:
        check_build_command(Path(bin_dir))
    print("deploy into moto's CloudFormation")
    moto, endpoint = start_moto()
    try:
        client, cloudformation, stack = deploy(copy.deepcopy(cfn), endpoint)
        inactive = sorted(set(cfn["Resources"]) - set(active_resources(cfn, PARAMETERS)))
        physical = read_back(client, cloudformation, stack, by_type, inactive)
        print("make deploy-code")
        with tempfile.TemporaryDirectory() as bin_dir:
            check_deploy_code(Path(bin_dir), endpoint, physical)
        print("make deploy's alarm notice")
        check_alarm_notice(cloudformation)
        print("the other front door: Frontend=FunctionUrl")
        rehearse_function_url(endpoint)
        print("sam delete, then sam deploy under the same name")
        check_redeploy_after_delete(client, cloudformation, copy.deepcopy(cfn), physical)
    finally:
        moto.terminate()
        moto.wait()
    took = time.time() - started
    print(f"rehearsal: {len(failures)} failure(s) in {took:.1f} s")
    check(took < 60, f"the rehearsal took {took:.0f} s (budget 60 s)")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
