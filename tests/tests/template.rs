#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The SAM template keeps its promises: least privilege, SSE, redrive,
//! partial batch failures, a long enough visibility timeout, a DLQ alarm, a
//! secret token parameter, and the idempotency table (on demand, TTL,
//! encrypted, the processor limited to item reads and writes on it), both
//! front doors (the HTTP API or a public Function URL, one at a time), and
//! the watchdog (its schedule, alarm, dashboard widget and its two token
//! parameters' least-privilege reads). (YAML tags such as `!GetAtt` are read as their
//! plain argument: `!GetAtt EventsQueue.Arn` is `"EventsQueue.Arn"`.)

use yaml_rust2::{Yaml, YamlLoader};

fn load(text: &str) -> Yaml {
    YamlLoader::load_from_str(text).unwrap().remove(0)
}

fn template_text() -> String {
    std::fs::read_to_string(switchboard_devkit::repo_root().join("template.yaml")).unwrap()
}

fn as_list(value: &Yaml) -> Vec<&Yaml> {
    match value {
        Yaml::Array(items) => items.iter().collect(),
        Yaml::BadValue => vec![],
        other => vec![other],
    }
}

fn text(value: &Yaml) -> String {
    match value {
        Yaml::String(s) => s.clone(),
        Yaml::Integer(i) => i.to_string(),
        Yaml::Boolean(b) => b.to_string(),
        other => format!("{other:?}"),
    }
}

/// The template string of a `!Sub`, in either form (`!Sub text` or
/// `!Sub [text, {variables}]`).
fn sub_text(value: &Yaml) -> String {
    match value {
        Yaml::Array(parts) => parts.first().map(text).unwrap_or_default(),
        other => text(other),
    }
}

/// A metric's or an alarm's dimensions, as (name, value) pairs.
fn dimensions(metric: &Yaml) -> Vec<(String, String)> {
    as_list(&metric["Dimensions"])
        .iter()
        .map(|d| (text(&d["Name"]), text(&d["Value"])))
        .collect()
}

/// A policy's statements, with a conditional one (`!If [cond, statement,
/// !Ref AWS::NoValue]`) read as the statement it adds.
fn statements(policy: &Yaml) -> Vec<&Yaml> {
    as_list(&policy["PolicyDocument"]["Statement"])
        .into_iter()
        .map(|statement| match statement {
            Yaml::Array(branches) if branches.len() == 3 => &branches[1],
            other => other,
        })
        .collect()
}

/// Each action a role's inline policies allow: the action, the resources
/// it is allowed on, and its statement (for its conditions).
fn role_grants<'a>(doc: &'a Yaml, role: &str) -> Vec<(String, Vec<String>, &'a Yaml)> {
    let mut grants = Vec::new();
    for policy in as_list(&doc["Resources"][role]["Properties"]["Policies"]) {
        for statement in statements(policy) {
            let targets: Vec<String> = as_list(&statement["Resource"])
                .into_iter()
                .map(text)
                .collect();
            for action in as_list(&statement["Action"]) {
                grants.push((text(action), targets.clone(), statement));
            }
        }
    }
    grants
}

/// The archive's objects: the processor's one S3 resource.
const ARCHIVE_OBJECTS: &str = "${ArchiveBucket.Arn}/archive/*";

/// Every broken promise, in words.
fn violations(doc: &Yaml) -> Vec<String> {
    let mut found = Vec::new();
    let resources = doc["Resources"].as_hash().cloned().unwrap_or_default();
    let resource = |name: &str| &doc["Resources"][name];

    for (name, body) in &resources {
        let name = text(name);
        let kind = text(&body["Type"]);
        if kind == "AWS::Serverless::Function" && !body["Properties"]["Policies"].is_badvalue() {
            found.push(format!(
                "{name}: uses SAM policies (they carry wildcards); give it an explicit role"
            ));
        }
        if kind == "AWS::IAM::Role" {
            for policy in as_list(&body["Properties"]["Policies"]) {
                for statement in statements(policy) {
                    for action in as_list(&statement["Action"]) {
                        if text(action).contains('*') {
                            found.push(format!("{name}: wildcard action {}", text(action)));
                        }
                    }
                    for target in as_list(&statement["Resource"]) {
                        // S3 names objects by key: a key prefix is how a policy
                        // says "only under archive/" (checked below).
                        let archive_prefix = text(target) == ARCHIVE_OBJECTS
                            && as_list(&statement["Action"])
                                .iter()
                                .all(|a| text(a) == "s3:PutObject");
                        if text(target).contains('*') && !archive_prefix {
                            found.push(format!("{name}: wildcard resource {}", text(target)));
                        }
                    }
                }
            }
            if !body["Properties"]["ManagedPolicyArns"].is_badvalue() {
                found.push(format!("{name}: managed policies are not least privilege"));
            }
        }
    }

    // Ingest may only send, and only to its own queue.
    if text(&resource("IngestFunction")["Properties"]["Role"]) != "IngestRole.Arn" {
        found.push("IngestFunction does not use IngestRole".into());
    }
    for (action, targets, statement) in role_grants(doc, "IngestRole") {
        let allowed = (action == "sqs:SendMessage" && targets == ["EventsQueue.Arn"])
            || (action.starts_with("logs:") && targets == ["IngestLogGroup.Arn"])
            // Read and pin tenants: no scan, no write of tokens, no other table.
            || (action == "dynamodb:GetItem" && targets == ["TenantTable.Arn"])
            || (action == "dynamodb:UpdateItem"
                && targets == ["TenantTable.Arn"]
                && as_list(
                    &statement["Condition"]["ForAllValues:StringEquals"]
                        ["dynamodb:Attributes"],
                )
                .into_iter()
                .map(text)
                .collect::<Vec<_>>()
                    == ["tenant", "system_id"])
            // The one token parameter, default or named.
            || (action == "ssm:GetParameter"
                && targets
                    == [
                        "DefaultTokenParameter",
                        "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/switchboard/${AWS::StackName}/pluralkit-signing-token",
                        "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter${PluralKitSigningTokenParameter}",
                    ])
            // Its key, and only through SSM.
            || (action == "kms:Decrypt"
                && targets == ["SecretsKmsKeyArn"]
                && text(&statement["Condition"]["StringEquals"]["kms:ViaService"])
                    == "ssm.${AWS::Region}.amazonaws.com");
        if !allowed {
            found.push(format!("IngestRole allows {action} on {targets:?}"));
        }
    }

    for queue in ["EventsQueue", "EventsDeadLetterQueue"] {
        let properties = &resource(queue)["Properties"];
        let sse = properties["SqsManagedSseEnabled"].as_bool() == Some(true)
            || !properties["KmsMasterKeyId"].is_badvalue();
        if !sse {
            found.push(format!("{queue}: no SSE"));
        }
    }
    let redrive = &resource("EventsQueue")["Properties"]["RedrivePolicy"];
    if text(&redrive["deadLetterTargetArn"]) != "EventsDeadLetterQueue.Arn"
        || redrive["maxReceiveCount"].as_i64() != Some(5)
    {
        found.push(format!(
            "EventsQueue: redrive is not to the DLQ after 5 receives: {redrive:?}"
        ));
    }
    if resource("EventsDeadLetterQueue")["Properties"]["MessageRetentionPeriod"].as_i64()
        != Some(14 * 24 * 3600)
    {
        found.push("EventsDeadLetterQueue: retention is not 14 days".into());
    }

    // The idempotency table, and the processor's only rights on it.
    let table = &resource("IdempotencyTable")["Properties"];
    if text(&table["BillingMode"]) != "PAY_PER_REQUEST" {
        found.push("IdempotencyTable: not on-demand".into());
    }
    if text(&table["TimeToLiveSpecification"]["AttributeName"]) != "expiration"
        || table["TimeToLiveSpecification"]["Enabled"].as_bool() != Some(true)
    {
        found.push("IdempotencyTable: no TTL on `expiration`".into());
    }
    if table["SSESpecification"]["SSEEnabled"].as_bool() != Some(true) {
        found.push("IdempotencyTable: no encryption at rest".into());
    }
    if text(&table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"])
        != "IdempotencyPointInTimeRecovery"
    {
        found.push("IdempotencyTable: point-in-time recovery is not the parameter".into());
    }
    // The processor's allowlist: consume its queue, read and write items in
    // its table, write its logs. Nothing else.
    if text(&resource("ProcessorFunction")["Properties"]["Role"]) != "ProcessorRole.Arn" {
        found.push("ProcessorFunction does not use ProcessorRole".into());
    }
    for (action, targets, statement) in role_grants(doc, "ProcessorRole") {
        let allowed = match action.as_str() {
            "sqs:ReceiveMessage"
            | "sqs:DeleteMessage"
            | "sqs:ChangeMessageVisibility"
            | "sqs:GetQueueAttributes" => targets == ["EventsQueue.Arn"],
            "dynamodb:GetItem"
            | "dynamodb:PutItem"
            | "dynamodb:UpdateItem"
            | "dynamodb:DeleteItem" => targets == ["IdempotencyTable.Arn"],
            "logs:CreateLogStream" | "logs:PutLogEvents" => {
                targets == ["ProcessorLogGroup.Arn"]
            }
            // The forwarding secret's parameter, default or named.
            "ssm:GetParameter" => {
                targets
                    == [
                        "DefaultForwardSecretParameter",
                        "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/switchboard/${AWS::StackName}/forward-secret",
                        "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter${ForwardSecretParameter}",
                    ]
            }
            "kms:Decrypt" => {
                targets == ["SecretsKmsKeyArn"]
                    && text(&statement["Condition"]["StringEquals"]["kms:ViaService"])
                        == "ssm.${AWS::Region}.amazonaws.com"
            }
            // New objects under the archive's prefix only.
            "s3:PutObject" => targets == [ARCHIVE_OBJECTS],
            // Its own bus: the one it creates, or the one named.
            "events:PutEvents" => {
                targets
                    == [
                        "CreateEventBus",
                        "EventBus.Arn",
                        "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/${EventBusName}",
                    ]
            }
            _ => false,
        };
        if !allowed {
            found.push(format!("ProcessorRole allows {action} on {targets:?}"));
        }
    }
    let processor = &resource("ProcessorFunction")["Properties"];
    if processor["Environment"]["Variables"]["IDEMPOTENCY_TABLE"].is_badvalue() {
        found.push("processor: IDEMPOTENCY_TABLE is not set".into());
    }
    let variables = &processor["Environment"]["Variables"];
    for variable in [
        "EVENT_BUS_NAME",
        "EVENT_BUS_TYPES",
        "FORWARD_URL",
        "FORWARD_SECRET_PARAMETER",
        "FORWARD_EVENT_TYPES",
        "FORWARD_TIMEOUT_MS",
    ] {
        if variables[variable].is_badvalue() {
            found.push(format!("processor: {variable} is not set"));
        }
    }
    let bus = resource("EventBus");
    if text(&bus["Condition"]) != "CreateEventBus"
        || text(&bus["Properties"]["Name"]) != "switchboard-${AWS::StackName}"
    {
        found.push("EventBus: not created as switchboard-<stack name> by default".into());
    }
    if !doc["Parameters"]["ForwardSecret"].is_badvalue()
        || !variables["FORWARD_SECRET"].is_badvalue()
    {
        found.push("the forwarding secret is in the template or the environment".into());
    }
    // A forwarded POST must time out before the function does (less the
    // time kept back for the batch response), so it fails only its record.
    let forward_cap = doc["Parameters"]["ForwardTimeoutMs"]["MaxValue"]
        .as_i64()
        .unwrap_or(i64::MAX);
    let limit = switchboard::builtin::config::FORWARD_TIMEOUT_LIMIT.as_millis() as i64;
    let processor_ms = processor["Timeout"].as_i64().unwrap_or(0) * 1000;
    let margin = processor::RESPONSE_MARGIN.as_millis() as i64;
    if forward_cap > limit || limit >= processor_ms - margin {
        found.push(format!(
            "ForwardTimeoutMs: cap {forward_cap} ms, limit {limit} ms, processor {processor_ms} ms"
        ));
    }
    let sqs_event = &processor["Events"]["Queue"]["Properties"];
    if !as_list(&sqs_event["FunctionResponseTypes"])
        .iter()
        .any(|t| text(t) == "ReportBatchItemFailures")
    {
        found.push("processor: no ReportBatchItemFailures".into());
    }
    for setting in [
        "BatchSize",
        "MaximumBatchingWindowInSeconds",
        "ScalingConfig",
    ] {
        if sqs_event[setting].is_badvalue() {
            found.push(format!("processor: no {setting}"));
        }
    }
    let timeout = processor["Timeout"].as_i64().unwrap_or(i64::MAX);
    let visibility = resource("EventsQueue")["Properties"]["VisibilityTimeout"]
        .as_i64()
        .unwrap_or(0);
    if visibility < 6 * timeout {
        found.push(format!(
            "visibility timeout {visibility} < 6 x processor timeout {timeout}"
        ));
    }

    let alarm_on_dlq = resources.values().any(|body| {
        text(&body["Type"]) == "AWS::CloudWatch::Alarm"
            && as_list(&body["Properties"]["Dimensions"])
                .iter()
                .any(|d| text(&d["Value"]) == "EventsDeadLetterQueue.QueueName")
            && body["Properties"]["Threshold"].as_i64() == Some(0)
            && text(&body["Properties"]["ComparisonOperator"]) == "GreaterThanThreshold"
    });
    if !alarm_on_dlq {
        found.push("no alarm on DLQ depth > 0".into());
    }
    // No token in any environment variable: ingest reads it from SSM.
    let ingest_variables = &resource("IngestFunction")["Properties"]["Environment"]["Variables"];
    if !ingest_variables["PLURALKIT_SIGNING_TOKEN"].is_badvalue()
        || !doc["Parameters"]["PluralKitSigningTokens"].is_badvalue()
    {
        found.push("a PluralKit token is in the template or the environment".into());
    }
    if as_list(&ingest_variables["PLURALKIT_SIGNING_TOKEN_PARAMETER"])
        .iter()
        .all(|value| !text(value).ends_with("/pluralkit-signing-token"))
    {
        found.push("ingest: PLURALKIT_SIGNING_TOKEN_PARAMETER is not the token parameter".into());
    }
    // Operations: what an operator needs to know nothing was missed.
    let alarm = |name: &str| {
        let body = resource(name);
        text(&body["Type"]) == "AWS::CloudWatch::Alarm"
            && text(as_list(&body["Properties"]["AlarmActions"])[0]) == "HasAlarmTopic"
    };
    for name in [
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
    ] {
        if !alarm(name) {
            found.push(format!("{name}: missing, or not sent to the alarm topic"));
        }
    }
    let lost = &resource("PluralKitEventLostAlarm")["Properties"];
    let lost_dimensions = dimensions(lost);
    if text(&lost["Namespace"]) != "Switchboard"
        || lost_dimensions
            != [
                ("Sender".to_owned(), "pluralkit".to_owned()),
                ("Outcome".to_owned(), "queue_unavailable".to_owned()),
            ]
        || lost["Threshold"].as_i64() != Some(0)
    {
        found.push("PluralKitEventLostAlarm: not on any PluralKit queue_unavailable".into());
    }
    // A flood answered 429 by API Gateway never reaches ingest: the access
    // log is the only witness, and the alarm reads it.
    let filter = &resource("PluralKitThrottledMetricFilter")["Properties"];
    let pattern = text(&filter["FilterPattern"]);
    let transform = &as_list(&filter["MetricTransformations"])[0];
    let throttled = &resource("PluralKitThrottledAlarm")["Properties"];
    if text(&filter["LogGroupName"]) != "ApiAccessLogGroup"
        || !pattern.contains(r#"$.routeKey = "POST /pluralkit*""#)
        || !pattern.contains(r#"$.status = "429""#)
        || text(&transform["MetricName"]) != text(&throttled["MetricName"])
        || text(&transform["MetricNamespace"]) != text(&throttled["Namespace"])
        || throttled["Threshold"].as_i64() != Some(0)
    {
        found.push(
            "PluralKitThrottledAlarm: not on the access log's 429s for POST /pluralkit".into(),
        );
    }
    let route = &resource("WebhookApi")["Properties"]["RouteSettings"]["POST /pluralkit"];
    let default_of = |name: &str| doc["Parameters"][name]["Default"].as_i64().unwrap_or(0);
    if text(&route["ThrottlingBurstLimit"]) != "PluralKitThrottlingBurstLimit"
        || text(&route["ThrottlingRateLimit"]) != "PluralKitThrottlingRateLimit"
        || default_of("PluralKitThrottlingRateLimit") <= default_of("ApiThrottlingRateLimit")
        || default_of("PluralKitThrottlingBurstLimit") <= default_of("ApiThrottlingBurstLimit")
    {
        found.push("/pluralkit: no route limit of its own above the others'".into());
    }
    if text(&resource("Dashboard")["Type"]) != "AWS::CloudWatch::Dashboard" {
        found.push("no dashboard".into());
    }
    let api = &resource("WebhookApi")["Properties"];
    if text(&api["AccessLogSettings"]["DestinationArn"]) != "ApiAccessLogGroup.Arn" {
        found.push("WebhookApi: no access log to its own log group".into());
    }
    let format = text(&api["AccessLogSettings"]["Format"]);
    if serde_json::from_str::<serde_json::Value>(&format).is_err()
        || ["body", "header", "authorization"]
            .iter()
            .any(|secret| format.to_lowercase().contains(secret))
    {
        found.push(format!(
            "WebhookApi: access log format is not JSON without bodies: {format}"
        ));
    }
    if text(&api["DefaultRouteSettings"]["ThrottlingBurstLimit"]) != "ApiThrottlingBurstLimit"
        || text(&api["DefaultRouteSettings"]["ThrottlingRateLimit"]) != "ApiThrottlingRateLimit"
    {
        found.push("WebhookApi: default route throttling is not the parameters".into());
    }
    for retained in [
        "EventsQueue",
        "EventsDeadLetterQueue",
        "IdempotencyTable",
        "IngestLogGroup",
        "ProcessorLogGroup",
        "ApiAccessLogGroup",
        "WatchdogLogGroup",
    ] {
        let body = resource(retained);
        if text(&body["DeletionPolicy"]) != "Retain"
            || text(&body["UpdateReplacePolicy"]) != "Retain"
        {
            found.push(format!("{retained}: not retained when the stack goes"));
        }
    }
    // A stack deployed again after `sam delete` must not collide with what
    // the old one retained: every retained name carries the stack's id.
    for (retained, name) in [
        ("EventsQueue", "QueueName"),
        ("IngestLogGroup", "LogGroupName"),
        ("ProcessorLogGroup", "LogGroupName"),
        ("ApiAccessLogGroup", "LogGroupName"),
        ("WatchdogLogGroup", "LogGroupName"),
    ] {
        let named = &resource(retained)["Properties"][name];
        let instance = &as_list(named).get(1).map(|vars| vars["Instance"].clone());
        let from_stack_id = instance
            .as_ref()
            .is_some_and(|value| format!("{value:?}").contains("AWS::StackId"));
        if !sub_text(named).contains("${Instance}") || !from_stack_id {
            found.push(format!(
                "{retained}: a fixed {name} collides with the retained one after sam delete"
            ));
        }
    }
    found.extend(archive_violations(doc));
    found.extend(front_door_violations(doc));
    found.extend(watchdog_violations(doc));
    let allow = &resource("EventsDeadLetterQueue")["Properties"]["RedriveAllowPolicy"];
    if text(&allow["redrivePermission"]) != "byQueue"
        || !sub_text(as_list(&allow["sourceQueueArns"])[0])
            .ends_with(":${AWS::StackName}-${Instance}-events")
        || sub_text(&resource("EventsQueue")["Properties"]["QueueName"])
            != "${AWS::StackName}-${Instance}-events"
    {
        found.push("EventsDeadLetterQueue: no RedriveAllowPolicy for the events queue only".into());
    }
    let tls = &resource("QueuesRequireTls")["Properties"];
    let denies_plain = as_list(&tls["PolicyDocument"]["Statement"])
        .iter()
        .any(|statement| {
            text(&statement["Effect"]) == "Deny"
                && text(&statement["Condition"]["Bool"]["aws:SecureTransport"]) == "false"
        });
    let queues: Vec<String> = as_list(&tls["Queues"]).into_iter().map(text).collect();
    if !denies_plain || queues != ["EventsQueue", "EventsDeadLetterQueue"] {
        found.push("the queues do not deny requests without TLS".into());
    }
    if as_list(&resource("IngestFunction")["Properties"]["ReservedConcurrentExecutions"])
        .first()
        .map(|c| text(c))
        != Some("ReserveIngestConcurrency".into())
    {
        found.push("IngestFunction: reserved concurrency is not the optional parameter".into());
    }
    let globals = &doc["Globals"]["Function"];
    if text(&globals["Runtime"]) != "provided.al2023"
        || as_list(&globals["Architectures"])
            .iter()
            .map(|a| text(a))
            .collect::<Vec<_>>()
            != ["arm64"]
    {
        found.push("functions are not provided.al2023 on arm64".into());
    }
    for function in ["IngestFunction", "ProcessorFunction", "WatchdogFunction"] {
        if text(&resource(function)["Metadata"]["BuildMethod"]) != "rust-cargolambda" {
            found.push(format!("{function}: not built with rust-cargolambda"));
        }
    }
    found
}

/// The two front doors, one at a time: the HTTP API and its four routes'
/// grants under `UseHttpApi`; under `UseFunctionUrl`, a public Function URL
/// with both grants a public URL needs since October 2025, the second only
/// for calls through the URL.
fn front_door_violations(doc: &Yaml) -> Vec<String> {
    let mut found = Vec::new();
    let resource = |name: &str| &doc["Resources"][name];
    let frontend = &doc["Parameters"]["Frontend"];
    let choices: Vec<String> = as_list(&frontend["AllowedValues"])
        .into_iter()
        .map(text)
        .collect();
    if text(&frontend["Default"]) != "HttpApi" || choices != ["HttpApi", "FunctionUrl"] {
        found.push("Frontend: not a choice of HttpApi (the default) or FunctionUrl".into());
    }
    let condition_is = |name: &str, expected: &str| {
        let condition = &doc["Conditions"][expected];
        let compared: Vec<String> = as_list(condition).into_iter().map(text).collect();
        text(&resource(name)["Condition"]) == expected
            && compared
                == [
                    "Frontend".to_owned(),
                    if expected == "UseHttpApi" {
                        "HttpApi"
                    } else {
                        "FunctionUrl"
                    }
                    .to_owned(),
                ]
    };
    for name in [
        "WebhookApi",
        "ApiAccessLogGroup",
        "PluralKitThrottledMetricFilter",
        "PluralKitThrottledAlarm",
    ] {
        if !condition_is(name, "UseHttpApi") {
            found.push(format!("{name}: not only with the HTTP API front door"));
        }
    }
    if !resource("IngestFunction")["Properties"]["Events"].is_badvalue() {
        found.push("IngestFunction: SAM events make a front door whatever Frontend says".into());
    }
    // The HTTP API's routes, and a grant for each route only.
    let paths = &resource("WebhookApi")["Properties"]["DefinitionBody"]["paths"];
    for (path, arn_path) in [
        ("/discord", "discord"),
        ("/discord/interactions", "discord/interactions"),
        ("/pluralkit", "pluralkit"),
        ("/pluralkit/{tenant}", "pluralkit/*"),
    ] {
        let integration = &paths[path]["post"]["x-amazon-apigateway-integration"];
        if text(&integration["type"]) != "aws_proxy"
            || text(&integration["payloadFormatVersion"]) != "2.0"
            || !text(&integration["uri"]).contains("${IngestFunction.Arn}")
        {
            found.push(format!("WebhookApi: POST {path} does not reach ingest"));
        }
        let granted = doc["Resources"]
            .as_hash()
            .into_iter()
            .flatten()
            .filter(|(_, body)| {
                text(&body["Type"]) == "AWS::Lambda::Permission"
                    && text(&body["Properties"]["Principal"]) == "apigateway.amazonaws.com"
            })
            .any(|(name, body)| {
                condition_is(&text(name), "UseHttpApi")
                    && text(&body["Properties"]["SourceArn"])
                        .ends_with(&format!("${{WebhookApi}}/*/POST/{arn_path}"))
            });
        if !granted {
            found.push(format!(
                "WebhookApi: no grant for POST {path} alone under UseHttpApi"
            ));
        }
    }
    let url = &resource("IngestFunctionUrl");
    if !condition_is("IngestFunctionUrl", "UseFunctionUrl")
        || text(&url["Type"]) != "AWS::Lambda::Url"
        || text(&url["Properties"]["AuthType"]) != "NONE"
        || text(&url["Properties"]["TargetFunctionArn"]) != "IngestFunction.Arn"
    {
        found.push(
            "IngestFunctionUrl: no public Function URL on ingest under UseFunctionUrl".into(),
        );
    }
    let grant = |name: &str| &resource(name)["Properties"];
    let url_grant = grant("IngestFromFunctionUrl");
    if !condition_is("IngestFromFunctionUrl", "UseFunctionUrl")
        || text(&resource("IngestFromFunctionUrl")["Type"]) != "AWS::Lambda::Permission"
        || text(&url_grant["Action"]) != "lambda:InvokeFunctionUrl"
        || text(&url_grant["Principal"]) != "*"
        || text(&url_grant["FunctionUrlAuthType"]) != "NONE"
    {
        found.push(
            "IngestFromFunctionUrl: no lambda:InvokeFunctionUrl for everyone with AuthType NONE"
                .into(),
        );
    }
    let invoke_grant = grant("IngestInvokedThroughFunctionUrl");
    if !condition_is("IngestInvokedThroughFunctionUrl", "UseFunctionUrl")
        || text(&resource("IngestInvokedThroughFunctionUrl")["Type"]) != "AWS::Lambda::Permission"
        || text(&invoke_grant["Action"]) != "lambda:InvokeFunction"
        || text(&invoke_grant["Principal"]) != "*"
        || invoke_grant["InvokedViaFunctionUrl"].as_bool() != Some(true)
    {
        found.push(
            "IngestInvokedThroughFunctionUrl: no lambda:InvokeFunction for everyone, through the URL only"
                .into(),
        );
    }
    // Every URL the stack gives out follows the front door.
    for output in [
        "DiscordWebhookUrl",
        "DiscordInteractionsUrl",
        "PluralKitWebhookUrl",
    ] {
        let value: Vec<String> = as_list(&doc["Outputs"][output]["Value"])
            .into_iter()
            .map(text)
            .collect();
        if value.first().map(String::as_str) != Some("UseHttpApi")
            || !value
                .get(2)
                .is_some_and(|url| url.starts_with("${IngestFunctionUrl.FunctionUrl}"))
        {
            found.push(format!(
                "{output}: not the Function URL's with Frontend=FunctionUrl"
            ));
        }
    }
    found
}

/// The watchdog: on a schedule that `Disabled` turns off, its failures
/// alarmed and on the dashboard, its tokens read from its two parameters
/// through SSM only, and no other right.
fn watchdog_violations(doc: &Yaml) -> Vec<String> {
    let mut found = Vec::new();
    let resource = |name: &str| &doc["Resources"][name];
    let schedule = &doc["Parameters"]["WatchdogSchedule"];
    let enabled: Vec<String> = as_list(as_list(&doc["Conditions"]["UseWatchdog"])[0])
        .into_iter()
        .map(text)
        .collect();
    if text(&schedule["Default"]) != "rate(5 minutes)"
        || enabled != ["WatchdogSchedule", "Disabled"]
    {
        found.push("WatchdogSchedule: not every 5 minutes by default, off when Disabled".into());
    }
    let function = resource("WatchdogFunction");
    let event = &function["Properties"]["Events"]["Schedule"];
    if text(&function["Condition"]) != "UseWatchdog"
        || text(&event["Type"]) != "Schedule"
        || text(&event["Properties"]["Schedule"]) != "WatchdogSchedule"
    {
        found.push("WatchdogFunction: not run on WatchdogSchedule".into());
    }
    if text(&function["Properties"]["Role"]) != "WatchdogRole.Arn" {
        found.push("WatchdogFunction does not use WatchdogRole".into());
    }
    let variables = &function["Properties"]["Environment"]["Variables"];
    if variables["WATCHDOG_BASE_URL"].is_badvalue() {
        found.push("watchdog: WATCHDOG_BASE_URL is not set".into());
    }
    for token in ["DISCORD_BOT_TOKEN", "PLURALKIT_API_TOKEN"] {
        if !variables[token].is_badvalue() {
            found.push(format!("watchdog: {token} is in the environment"));
        }
    }
    for (variable, parameter) in [
        ("DISCORD_BOT_TOKEN_PARAMETER", "DiscordBotTokenParameter"),
        (
            "PLURALKIT_API_TOKEN_PARAMETER",
            "PluralKitApiTokenParameter",
        ),
    ] {
        if text(&variables[variable]) != parameter {
            found.push(format!(
                "watchdog: {variable} is not the {parameter} parameter"
            ));
        }
    }
    for (action, targets, statement) in role_grants(doc, "WatchdogRole") {
        let parameter_arn = |name: &str| {
            format!("arn:${{AWS::Partition}}:ssm:${{AWS::Region}}:${{AWS::AccountId}}:parameter${{{name}}}")
        };
        let allowed = match action.as_str() {
            "ssm:GetParameter" => {
                targets == [parameter_arn("DiscordBotTokenParameter")]
                    || targets == [parameter_arn("PluralKitApiTokenParameter")]
            }
            "kms:Decrypt" => {
                targets == ["SecretsKmsKeyArn"]
                    && text(&statement["Condition"]["StringEquals"]["kms:ViaService"])
                        == "ssm.${AWS::Region}.amazonaws.com"
            }
            "logs:CreateLogStream" | "logs:PutLogEvents" => targets == ["WatchdogLogGroup.Arn"],
            _ => false,
        };
        if !allowed {
            found.push(format!("WatchdogRole allows {action} on {targets:?}"));
        }
    }
    let alarm = &resource("WatchdogFailedAlarm");
    let watched = as_list(&alarm["Properties"]["Metrics"])
        .into_iter()
        .find(|metric| text(&metric["Id"]) == "failures")
        .map(|metric| metric["MetricStat"]["Metric"].clone())
        .unwrap_or(Yaml::BadValue);
    let watched_dimensions = dimensions(&watched);
    if text(&alarm["Type"]) != "AWS::CloudWatch::Alarm"
        || text(&alarm["Condition"]) != "UseWatchdog"
        || text(&watched["Namespace"]) != "Switchboard"
        || text(&watched["MetricName"]) != switchboard::telemetry::WATCHDOG_FAILURES
        || watched_dimensions
            != [(
                switchboard::telemetry::CHECK.to_owned(),
                switchboard::watchdog::ALL_CHECKS.to_owned(),
            )]
        || alarm["Properties"]["Threshold"].as_i64() != Some(0)
        || text(as_list(&alarm["Properties"]["AlarmActions"])[0]) != "HasAlarmTopic"
    {
        found.push(
            "WatchdogFailedAlarm: not on WatchdogFailures by Check=all, to the alarm topic".into(),
        );
    }
    let silent = &resource("WatchdogSilentAlarm");
    let properties = &silent["Properties"];
    let counted = dimensions(properties);
    if text(&silent["Condition"]) != "UseWatchdog"
        || text(&properties["Namespace"]) != "AWS/Lambda"
        || text(&properties["MetricName"]) != "Invocations"
        || counted != [("FunctionName".to_owned(), "WatchdogFunction".to_owned())]
        || text(&properties["Statistic"]) != "Sum"
        || properties["Period"].as_i64() != Some(300)
        || properties["EvaluationPeriods"].as_i64() != Some(6)
        || properties["DatapointsToAlarm"].as_i64() != Some(6)
        || text(&properties["ComparisonOperator"]) != "LessThanThreshold"
        || properties["Threshold"].as_i64() != Some(1)
        || text(&properties["TreatMissingData"]) != "breaching"
        || text(as_list(&properties["AlarmActions"])[0]) != "HasAlarmTopic"
    {
        found.push(
            "WatchdogSilentAlarm: a watchdog that stops running is not alarmed (the sum of its invocations, six 5-minute periods of them, missing data as silence, to the alarm topic)".into(),
        );
    }
    let dashboard = sub_text(&resource("Dashboard")["Properties"]["DashboardBody"]);
    if !dashboard.contains("MetricName=\\\"WatchdogFailures\\\"")
        || !dashboard.contains("alarm:switchboard-${AWS::StackName}-watchdog\"")
        || !dashboard.contains("alarm:switchboard-${AWS::StackName}-watchdog-silent\"")
    {
        found.push("Dashboard: no watchdog widget or alarm".into());
    }
    found
}

/// The archive's bucket: encrypted, never public, TLS only, retained,
/// expiring after `ArchiveRetentionDays`, unversioned, and named to the processor.
fn archive_violations(doc: &Yaml) -> Vec<String> {
    let mut found = Vec::new();
    let bucket = &doc["Resources"]["ArchiveBucket"];
    let properties = &bucket["Properties"];
    if text(&bucket["Condition"]) != "UseArchive"
        || text(&doc["Parameters"]["Archive"]["Default"]) != "Enabled"
    {
        found.push("ArchiveBucket: not on by default behind the Archive parameter".into());
    }
    if text(&bucket["DeletionPolicy"]) != "Retain"
        || text(&bucket["UpdateReplacePolicy"]) != "Retain"
    {
        found.push("ArchiveBucket: not retained".into());
    }
    let sse = &as_list(&properties["BucketEncryption"]["ServerSideEncryptionConfiguration"])
        .first()
        .map(|rule| text(&rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"]));
    if !matches!(sse.as_deref(), Some("AES256" | "aws:kms")) {
        found.push("ArchiveBucket: no encryption at rest".into());
    }
    let block = &properties["PublicAccessBlockConfiguration"];
    let blocked = [
        "BlockPublicAcls",
        "BlockPublicPolicy",
        "IgnorePublicAcls",
        "RestrictPublicBuckets",
    ]
    .iter()
    .all(|setting| block[*setting].as_bool() == Some(true));
    if !blocked {
        found.push("ArchiveBucket: public access not blocked".into());
    }
    if !properties["VersioningConfiguration"].is_badvalue() {
        found.push("ArchiveBucket: versioning is on".into());
    }
    let expires = as_list(&properties["LifecycleConfiguration"]["Rules"])
        .iter()
        .any(|rule| {
            text(&rule["Status"]) == "Enabled"
                && text(&rule["Prefix"]) == "archive/"
                && text(&rule["ExpirationInDays"]) == "ArchiveRetentionDays"
        });
    if !expires || text(&doc["Parameters"]["ArchiveRetentionDays"]["Default"]) != "400" {
        found.push("ArchiveBucket: no expiry after ArchiveRetentionDays (default 400)".into());
    }
    let tls = &doc["Resources"]["ArchiveRequiresTls"]["Properties"];
    let denies_plain = as_list(&tls["PolicyDocument"]["Statement"])
        .iter()
        .any(|statement| {
            text(&statement["Effect"]) == "Deny"
                && text(&statement["Condition"]["Bool"]["aws:SecureTransport"]) == "false"
                && as_list(&statement["Resource"]).len() == 2
        });
    if !denies_plain || text(&tls["Bucket"]) != "ArchiveBucket" {
        found.push("ArchiveBucket: requests without TLS are not denied".into());
    }
    let variable = &doc["Resources"]["ProcessorFunction"]["Properties"]["Environment"]["Variables"]
        ["ARCHIVE_BUCKET"];
    let named: Vec<String> = as_list(variable).into_iter().map(text).collect();
    if named != ["UseArchive", "ArchiveBucket", ""] {
        found.push(format!(
            "processor: ARCHIVE_BUCKET is not the archive's bucket: {named:?}"
        ));
    }
    found
}

#[test]
fn the_template_keeps_its_promises() {
    let found = violations(&load(&template_text()));
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn the_checks_catch_broken_templates() {
    let original = template_text();
    // Each breakage, and the words its violation must contain.
    let breakages = [
        (
            "Action: sqs:SendMessage",
            "Action: sqs:*",
            "wildcard action sqs:*",
        ),
        (
            "Resource: !GetAtt EventsQueue.Arn\n              - Sid: ReadThePluralKitTokenParameterOnly",
            "Resource: \"*\"\n              - Sid: ReadThePluralKitTokenParameterOnly",
            "wildcard resource *",
        ),
        (
            "      SqsManagedSseEnabled: true\n      MessageRetentionPeriod: 1209600",
            "      MessageRetentionPeriod: 1209600",
            "EventsDeadLetterQueue: no SSE",
        ),
        (
            "maxReceiveCount: 5",
            "maxReceiveCount: 50",
            "redrive is not to the DLQ after 5 receives",
        ),
        (
            "              - ReportBatchItemFailures\n",
            "",
            "no ReportBatchItemFailures",
        ),
        (
            "VisibilityTimeout: 180",
            "VisibilityTimeout: 60",
            "visibility timeout 60 < 6 x processor timeout 30",
        ),
        ("Threshold: 0", "Threshold: 10", "no alarm on DLQ depth > 0"),
        (
            "          SECRET_REFRESH_INTERVAL_SECS: \"5\"\n",
            "          SECRET_REFRESH_INTERVAL_SECS: \"5\"\n          PLURALKIT_SIGNING_TOKEN: !Ref DiscordPublicKeys\n",
            "a PluralKit token is in the template or the environment",
        ),
        (
            "                  - !Sub arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter${PluralKitSigningTokenParameter}\n",
            "                  - !Sub arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/*\n",
            "wildcard resource",
        ),
        (
            "                      kms:ViaService: !Sub ssm.${AWS::Region}.amazonaws.com\n",
            "                      kms:ViaService: !Sub s3.${AWS::Region}.amazonaws.com\n",
            "IngestRole allows kms:Decrypt",
        ),
        (
            "Action: sqs:SendMessage",
            "Action: [sqs:SendMessage, sqs:DeleteMessage]",
            "IngestRole allows sqs:DeleteMessage",
        ),
        (
            "        RestrictPublicBuckets: true\n",
            "        RestrictPublicBuckets: false\n",
            "ArchiveBucket: public access not blocked",
        ),
        (
            "            ExpirationInDays: !Ref ArchiveRetentionDays\n",
            "",
            "ArchiveBucket: no expiry",
        ),
        (
            "              - !Sub \"${ArchiveBucket.Arn}/*\"\n            Condition:\n              Bool:\n                aws:SecureTransport: \"false\"",
            "              - !Sub \"${ArchiveBucket.Arn}/*\"\n            Condition:\n              Bool:\n                aws:SecureTransport: \"true\"",
            "ArchiveBucket: requests without TLS are not denied",
        ),
        (
            "                  Resource: !Sub \"${ArchiveBucket.Arn}/archive/*\"",
            "                  Resource: !Sub \"${ArchiveBucket.Arn}/*\"",
            "wildcard resource ${ArchiveBucket.Arn}/*",
        ),
        (
            "                  Action: s3:PutObject\n",
            "                  Action: [s3:PutObject, s3:DeleteObject]\n",
            "wildcard resource ${ArchiveBucket.Arn}/archive/*",
        ),
        (
            "          ARCHIVE_BUCKET: !If [UseArchive, !Ref ArchiveBucket, \"\"]\n",
            "",
            "processor: ARCHIVE_BUCKET is not the archive's bucket",
        ),
        (
            "BillingMode: PAY_PER_REQUEST",
            "BillingMode: PROVISIONED",
            "IdempotencyTable: not on-demand",
        ),
        (
            "        SSEEnabled: true\n",
            "        SSEEnabled: false\n",
            "IdempotencyTable: no encryption at rest",
        ),
        (
            "        AttributeName: expiration\n        Enabled: true",
            "        AttributeName: expiration\n        Enabled: false",
            "IdempotencyTable: no TTL",
        ),
        (
            "                  - dynamodb:DeleteItem\n",
            "                  - dynamodb:DeleteItem\n                  - dynamodb:Scan\n",
            "ProcessorRole allows dynamodb:Scan",
        ),
        (
            "Resource: !GetAtt IdempotencyTable.Arn",
            "Resource: !GetAtt EventsQueue.Arn",
            "ProcessorRole allows dynamodb:GetItem on [\"EventsQueue.Arn\"]",
        ),
        (
            "                  - sqs:GetQueueAttributes\n",
            "                  - sqs:GetQueueAttributes\n                  - sqs:SendMessage\n",
            "ProcessorRole allows sqs:SendMessage",
        ),
        (
            "          IDEMPOTENCY_TABLE: !If [UseIdempotencyStore, !Ref IdempotencyTable, \"\"]\n",
            "",
            "processor: IDEMPOTENCY_TABLE is not set",
        ),
        (
            "                  - !GetAtt EventBus.Arn\n",
            "                  - \"*\"\n",
            "wildcard resource *",
        ),
        (
            "    MaxValue: 25000\n",
            "    MaxValue: 60000\n",
            "ForwardTimeoutMs: cap 60000 ms",
        ),
        (
            "      Name: !Sub switchboard-${AWS::StackName}\n",
            "      Name: !Sub events-${AWS::StackName}\n",
            "EventBus: not created as switchboard-<stack name>",
        ),
        (
            "          FORWARD_URL: !Ref ForwardUrl\n",
            "          FORWARD_URL: !Ref ForwardUrl\n          FORWARD_SECRET: !Ref ForwardUrl\n",
            "the forwarding secret is in the template or the environment",
        ),
        (
            "                    - !Sub arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter${ForwardSecretParameter}\n",
            "                    - \"*\"\n",
            "wildcard resource",
        ),
        (
            "          Value: queue_unavailable\n      Statistic: Sum\n      Period: 60\n",
            "          Value: bad_token\n      Statistic: Sum\n      Period: 60\n",
            "PluralKitEventLostAlarm: not on any PluralKit queue_unavailable",
        ),
        (
            "                  Action: dynamodb:GetItem\n                  Resource: !GetAtt TenantTable.Arn\n",
            "                  Action: [dynamodb:GetItem, dynamodb:Scan]\n                  Resource: !GetAtt TenantTable.Arn\n",
            "IngestRole allows dynamodb:Scan",
        ),
        (
            "                      dynamodb:Attributes: [tenant, system_id]\n",
            "                      dynamodb:Attributes: [tenant, system_id, token_sha256]\n",
            "IngestRole allows dynamodb:UpdateItem",
        ),
        (
            r#"($.status = "429")"#,
            r#"($.status = "401")"#,
            "PluralKitThrottledAlarm: not on the access log's 429s",
        ),
        (
            "        \"POST /pluralkit\":\n          ThrottlingBurstLimit: !Ref PluralKitThrottlingBurstLimit\n",
            "        \"POST /pluralkit\":\n          ThrottlingBurstLimit: !Ref ApiThrottlingBurstLimit\n",
            "/pluralkit: no route limit of its own",
        ),
        (
            "        - /switchboard/${AWS::StackName}/${Instance}/ingest\n",
            "        - /switchboard/${AWS::StackName}/ingest\n",
            "IngestLogGroup: a fixed LogGroupName collides",
        ),
        (
            "      DefaultRouteSettings:\n",
            "      DefaultRouteSettingz:\n",
            "default route throttling",
        ),
        (
            "\"userAgent\":\"$context.identity.userAgent\"",
            "\"body\":\"$context.requestBody\"",
            "access log format is not JSON without bodies",
        ),
        (
            "  EventsQueue:\n    Type: AWS::SQS::Queue\n    DeletionPolicy: Retain\n",
            "  EventsQueue:\n    Type: AWS::SQS::Queue\n    DeletionPolicy: Delete\n",
            "EventsQueue: not retained",
        ),
        (
            "        redrivePermission: byQueue\n",
            "        redrivePermission: allowAll\n",
            "no RedriveAllowPolicy",
        ),
        (
            "                aws:SecureTransport: \"false\"\n",
            "                aws:SecureTransport: \"true\"\n",
            "do not deny requests without TLS",
        ),
        (
            "  QueueAgeAlarm:\n    Type: AWS::CloudWatch::Alarm\n",
            "  QueueAgeAlarm:\n    Type: AWS::SNS::Topic\n",
            "QueueAgeAlarm: missing",
        ),
        // The front doors.
        (
            "    Default: HttpApi\n",
            "    Default: FunctionUrl\n",
            "Frontend: not a choice",
        ),
        (
            "  WebhookApi:\n    Type: AWS::Serverless::HttpApi\n    Condition: UseHttpApi\n",
            "  WebhookApi:\n    Type: AWS::Serverless::HttpApi\n",
            "WebhookApi: not only with the HTTP API front door",
        ),
        (
            "${WebhookApi}/*/POST/pluralkit/*\n",
            "${WebhookApi}/*/*\n",
            "no grant for POST /pluralkit/{tenant} alone",
        ),
        (
            "      Action: lambda:InvokeFunctionUrl\n",
            "      Action: lambda:InvokeFunction\n",
            "IngestFromFunctionUrl: no lambda:InvokeFunctionUrl",
        ),
        (
            "      Principal: \"*\"\n      InvokedViaFunctionUrl: true\n",
            "      Principal: \"*\"\n",
            "IngestInvokedThroughFunctionUrl: no lambda:InvokeFunction",
        ),
        (
            "  IngestInvokedThroughFunctionUrl:\n    Type: AWS::Lambda::Permission\n",
            "  IngestInvokedThroughFunctionUrl:\n    Type: AWS::SNS::Topic\n",
            "IngestInvokedThroughFunctionUrl: no lambda:InvokeFunction",
        ),
        (
            "      AuthType: NONE\n",
            "      AuthType: AWS_IAM\n",
            "IngestFunctionUrl: no public Function URL",
        ),
        (
            "!Sub \"${IngestFunctionUrl.FunctionUrl}pluralkit\"]\n",
            "!Sub \"https://example.com/pluralkit\"]\n",
            "PluralKitWebhookUrl: not the Function URL's",
        ),
        // The watchdog.
        (
            "    Default: rate(5 minutes)\n",
            "    Default: rate(1 day)\n",
            "WatchdogSchedule: not every 5 minutes",
        ),
        (
            "            Schedule: !Ref WatchdogSchedule\n",
            "            Schedule: rate(1 hour)\n",
            "WatchdogFunction: not run on WatchdogSchedule",
        ),
        (
            "          DISCORD_BOT_TOKEN_PARAMETER: !Ref DiscordBotTokenParameter\n",
            "          DISCORD_BOT_TOKEN: !Ref DiscordBotTokenParameter\n",
            "watchdog: DISCORD_BOT_TOKEN is in the environment",
        ),
        (
            "parameter${DiscordBotTokenParameter}\n",
            "parameter/switchboard/*\n",
            "wildcard resource",
        ),
        (
            "                  Resource: !Sub arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter${PluralKitApiTokenParameter}\n",
            "                  Resource: !Sub arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter${PluralKitSigningTokenParameter}\n",
            "WatchdogRole allows ssm:GetParameter",
        ),
        (
            "                Resource: !GetAtt WatchdogLogGroup.Arn\n",
            "                Resource: !GetAtt WatchdogLogGroup.Arn\n              - Effect: Allow\n                Action: sqs:SendMessage\n                Resource: !GetAtt EventsQueue.Arn\n",
            "WatchdogRole allows sqs:SendMessage",
        ),
        (
            "                - Name: Check\n                  Value: all\n",
            "                - Name: Check\n                  Value: pluralkit_random_token\n",
            "WatchdogFailedAlarm: not on WatchdogFailures",
        ),
        (
            "alarm:switchboard-${AWS::StackName}-watchdog\"",
            "alarm:switchboard-${AWS::StackName}-other\"",
            "Dashboard: no watchdog widget or alarm",
        ),
        (
            "      TreatMissingData: breaching\n",
            "      TreatMissingData: notBreaching\n",
            "WatchdogSilentAlarm: a watchdog that stops running is not alarmed",
        ),
        (
            "      EvaluationPeriods: 6\n      DatapointsToAlarm: 6\n",
            "      EvaluationPeriods: 1\n      DatapointsToAlarm: 1\n",
            "WatchdogSilentAlarm: a watchdog that stops running is not alarmed",
        ),
        (
            "alarm:switchboard-${AWS::StackName}-watchdog-silent\"",
            "alarm:switchboard-${AWS::StackName}-other\"",
            "Dashboard: no watchdog widget or alarm",
        ),
    ];
    for (from, to, expected) in breakages {
        assert!(
            original.contains(from),
            "the template no longer contains {from:?}"
        );
        let broken = original.replacen(from, to, 1);
        let found = violations(&load(&broken));
        assert!(
            found.iter().any(|message| message.contains(expected)),
            "{from:?} -> {to:?} should be reported as {expected:?}, got {found:#?}"
        );
    }
}
