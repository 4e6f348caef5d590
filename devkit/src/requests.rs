//! HTTP requests as Lambda receives them, in every shape `lambda_http`
//! accepts: API Gateway HTTP API (v2), REST API (v1), ALB and Function URL.
//! Each shape carries repeated headers the way its service does.

use std::collections::BTreeMap;

use base64::Engine;
use lambda_http::request::LambdaRequest;
use serde_json::{json, Map, Value};

const TARGET_GROUP: &str =
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/switchboard/1";

/// The event shapes a Lambda behind an HTTP front door receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestShape {
    /// API Gateway HTTP API, payload format 2.0: what the template deploys.
    /// Repeated headers arrive joined with commas.
    HttpApiV2,
    /// API Gateway REST API (payload format 1.0), with `multiValueHeaders`.
    RestV1,
    /// An Application Load Balancer target with multi-value headers on.
    Alb,
    /// An Application Load Balancer target with multi-value headers off: the
    /// load balancer itself keeps only the last value of a repeated header.
    AlbSingleValue,
    /// A Lambda Function URL (format 2.0, no route key).
    FunctionUrl,
}

impl RequestShape {
    /// Every shape.
    pub const ALL: [RequestShape; 5] = [
        RequestShape::HttpApiV2,
        RequestShape::RestV1,
        RequestShape::Alb,
        RequestShape::AlbSingleValue,
        RequestShape::FunctionUrl,
    ];

    /// True when the service passes every value of a repeated header on
    /// (joined, or as a list).
    pub fn keeps_repeated_headers(self) -> bool {
        self != RequestShape::AlbSingleValue
    }
}

/// One HTTP request, to be put into any [`RequestShape`].
#[derive(Debug, Clone)]
pub struct HttpRequest {
    /// The method.
    pub method: String,
    /// The path, as the client sent it.
    pub path: String,
    /// Headers in order; a name may repeat.
    pub headers: Vec<(String, String)>,
    /// The body bytes.
    pub body: Vec<u8>,
    /// Send the body base64-encoded even when it is text.
    pub base64: bool,
    /// Send this text as the body with `isBase64Encoded: true`, as is.
    pub raw_base64_body: Option<String>,
    /// An API Gateway stage other than the default (`$default` for an HTTP
    /// API, whose raw path then starts with it; `prod` for a REST API).
    pub stage: Option<String>,
}

impl HttpRequest {
    /// A `POST` of `body` to `path`, with no headers.
    pub fn post(path: &str, body: impl Into<Vec<u8>>) -> Self {
        Self {
            method: "POST".into(),
            path: path.into(),
            headers: Vec::new(),
            body: body.into(),
            base64: false,
            raw_base64_body: None,
            stage: None,
        }
    }

    /// The same request through a named API Gateway stage.
    pub fn stage(mut self, stage: &str) -> Self {
        self.stage = Some(stage.into());
        self
    }

    /// The same request with another method.
    pub fn method(mut self, method: &str) -> Self {
        self.method = method.into();
        self
    }

    /// Adds one header value (a name may be added twice).
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Adds several header values.
    pub fn headers(mut self, headers: impl IntoIterator<Item = (String, String)>) -> Self {
        self.headers.extend(headers);
        self
    }

    /// Sends the body base64-encoded.
    pub fn base64(mut self, base64: bool) -> Self {
        self.base64 = base64;
        self
    }

    /// Sends `text` as an `isBase64Encoded` body without encoding it.
    pub fn raw_base64_body(mut self, text: &str) -> Self {
        self.raw_base64_body = Some(text.into());
        self
    }

    fn encoded_body(&self) -> (String, bool) {
        if let Some(raw) = &self.raw_base64_body {
            return (raw.clone(), true);
        }
        match std::str::from_utf8(&self.body) {
            Ok(text) if !self.base64 => (text.to_owned(), false),
            _ => (
                base64::engine::general_purpose::STANDARD.encode(&self.body),
                true,
            ),
        }
    }

    /// Names lowercased and repeated headers joined with commas, as HTTP APIs
    /// and Function URLs do.
    fn joined_headers(&self) -> Map<String, Value> {
        let mut joined: BTreeMap<String, String> = BTreeMap::new();
        for (name, value) in &self.headers {
            joined
                .entry(name.to_ascii_lowercase())
                .and_modify(|existing| *existing = format!("{existing},{value}"))
                .or_insert_with(|| value.clone());
        }
        joined.into_iter().map(|(k, v)| (k, json!(v))).collect()
    }

    fn multi_value_headers(&self) -> Map<String, Value> {
        let mut multi: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (name, value) in &self.headers {
            multi.entry(name.clone()).or_default().push(value.clone());
        }
        multi.into_iter().map(|(k, v)| (k, json!(v))).collect()
    }

    /// The Lambda event JSON for `shape`.
    pub fn to_event(&self, shape: RequestShape) -> Value {
        let (body, encoded) = self.encoded_body();
        let (method, path) = (&self.method, &self.path);
        match shape {
            RequestShape::HttpApiV2 | RequestShape::FunctionUrl => {
                let stage = match (&self.stage, shape) {
                    (Some(stage), RequestShape::HttpApiV2) => stage.clone(),
                    _ => "$default".to_owned(),
                };
                let raw_path = if stage == "$default" {
                    path.clone()
                } else {
                    format!("/{stage}{path}")
                };
                let (domain, route_key) = if shape == RequestShape::FunctionUrl {
                    (
                        "abc.lambda-url.us-east-1.on.aws".to_owned(),
                        "$default".to_owned(),
                    )
                } else {
                    (
                        "api.execute-api.us-east-1.amazonaws.com".to_owned(),
                        format!("{method} {path}"),
                    )
                };
                json!({
                    "version": "2.0", "routeKey": route_key, "rawPath": raw_path, "rawQueryString": "",
                    "headers": self.joined_headers(),
                    "requestContext": {
                        "accountId": "123456789012", "apiId": "api", "domainName": domain,
                        "domainPrefix": "api",
                        "http": {"method": method, "path": path, "protocol": "HTTP/1.1",
                                 "sourceIp": "192.0.2.1", "userAgent": "test"},
                        "requestId": "req", "routeKey": route_key, "stage": stage,
                        "time": "12/Mar/2020:19:03:58 +0000", "timeEpoch": 1_583_348_638_390_u64
                    },
                    "body": body, "isBase64Encoded": encoded
                })
            }
            RequestShape::RestV1 => {
                let stage = self.stage.clone().unwrap_or_else(|| "prod".to_owned());
                // `headers` holds the last value of each name; `multiValueHeaders` all.
                let single: Map<String, Value> = self
                    .headers
                    .iter()
                    .map(|(k, v)| (k.clone(), json!(v)))
                    .collect();
                json!({
                    "resource": path, "path": path, "httpMethod": method,
                    "headers": single, "multiValueHeaders": self.multi_value_headers(),
                    "queryStringParameters": null, "multiValueQueryStringParameters": null,
                    "pathParameters": null, "stageVariables": null,
                    "requestContext": {
                        "accountId": "123456789012", "resourceId": "res", "stage": stage,
                        "requestId": "req", "identity": {"sourceIp": "192.0.2.1"},
                        "resourcePath": path, "httpMethod": method, "apiId": "api",
                        "path": format!("/{stage}{path}")
                    },
                    "body": body, "isBase64Encoded": encoded
                })
            }
            RequestShape::Alb => json!({
                "requestContext": {"elb": {"targetGroupArn": TARGET_GROUP}},
                "httpMethod": method, "path": path,
                "multiValueQueryStringParameters": {},
                "multiValueHeaders": self.multi_value_headers(),
                "body": body, "isBase64Encoded": encoded
            }),
            RequestShape::AlbSingleValue => {
                let last: Map<String, Value> = self
                    .headers
                    .iter()
                    .map(|(k, v)| (k.to_ascii_lowercase(), json!(v)))
                    .collect();
                json!({
                    "requestContext": {"elb": {"targetGroupArn": TARGET_GROUP}},
                    "httpMethod": method, "path": path,
                    "queryStringParameters": {},
                    "headers": last,
                    "body": body, "isBase64Encoded": encoded
                })
            }
        }
    }

    /// The event as `lambda_http` parses it.
    pub fn to_lambda_request(
        &self,
        shape: RequestShape,
    ) -> Result<LambdaRequest, serde_json::Error> {
        serde_json::from_value(self.to_event(shape))
    }
}

/// What a function answered, read from the JSON it hands the runtime: the
/// same for every shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// Response headers, names lowercase.
    pub headers: BTreeMap<String, String>,
    /// The body text; empty when there is none.
    pub body: String,
}

impl Answer {
    /// Reads a response as the runtime would serialize it.
    pub fn of(response: &impl serde::Serialize) -> Result<Self, serde_json::Error> {
        let value = serde_json::to_value(response)?;
        let status = value["statusCode"]
            .as_u64()
            .and_then(|s| u16::try_from(s).ok());
        let status = status.ok_or_else(|| {
            <serde_json::Error as serde::de::Error>::custom("the response has no statusCode")
        })?;
        let mut headers = BTreeMap::new();
        for (field, joined) in [("multiValueHeaders", true), ("headers", false)] {
            for (name, value) in value[field].as_object().into_iter().flatten() {
                let text = if joined {
                    value
                        .as_array()
                        .map(|values| {
                            values
                                .iter()
                                .filter_map(Value::as_str)
                                .collect::<Vec<_>>()
                                .join(",")
                        })
                        .unwrap_or_default()
                } else {
                    value.as_str().unwrap_or_default().to_owned()
                };
                headers.insert(name.to_ascii_lowercase(), text);
            }
        }
        let body = value["body"].as_str().unwrap_or_default().to_owned();
        Ok(Self {
            status,
            headers,
            body,
        })
    }

    /// A response header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_shape_parses_as_its_own_kind_of_request() {
        let request = HttpRequest::post("/discord", "{}").header("a", "1");
        for shape in RequestShape::ALL {
            let parsed = request.to_lambda_request(shape).unwrap();
            let matches = matches!(
                (shape, &parsed),
                (
                    RequestShape::HttpApiV2 | RequestShape::FunctionUrl,
                    LambdaRequest::ApiGatewayV2(_),
                ) | (RequestShape::RestV1, LambdaRequest::ApiGatewayV1(_))
                    | (
                        RequestShape::Alb | RequestShape::AlbSingleValue,
                        LambdaRequest::Alb(_)
                    )
            );
            assert!(matches, "{shape:?} parsed as another kind");
        }
    }

    #[test]
    fn repeated_headers_keep_every_value_where_the_service_does() {
        let request = HttpRequest::post("/x", "")
            .header("h", "1")
            .header("h", "2");
        assert_eq!(
            request.to_event(RequestShape::HttpApiV2)["headers"]["h"],
            "1,2"
        );
        assert_eq!(
            request.to_event(RequestShape::RestV1)["multiValueHeaders"]["h"],
            json!(["1", "2"])
        );
        assert_eq!(
            request.to_event(RequestShape::Alb)["multiValueHeaders"]["h"],
            json!(["1", "2"])
        );
    }
}
