//! A typed MLflow REST 2.0 client that guards the API's silent data-loss
//! traps: values as strings, NaN/inf as strings, batch limits, length
//! limits, retries with backoff; secrets never printed.

use std::time::Duration;

use base64::Engine;
use serde_json::{Value, json};

/// Where the server is and how to authenticate (from flags and `MLFLOW_*`).
#[derive(Clone, Default)]
pub struct TrackingConfig {
    /// Server URI, e.g. `http://127.0.0.1:5000`.
    pub uri: String,
    /// Bearer token (`MLFLOW_TRACKING_TOKEN`).
    pub token: Option<String>,
    /// Basic auth (`MLFLOW_TRACKING_USERNAME` / `MLFLOW_TRACKING_PASSWORD`).
    pub basic: Option<(String, String)>,
}

impl std::fmt::Debug for TrackingConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Secrets never reach logs.
        f.debug_struct("TrackingConfig")
            .field("uri", &self.uri)
            .field("token", &self.token.as_ref().map(|_| "***"))
            .field("basic", &self.basic.as_ref().map(|(u, _)| (u, "***")))
            .finish()
    }
}

impl TrackingConfig {
    /// The URI from `flag` or `MLFLOW_TRACKING_URI`, credentials from the
    /// usual environment variables; `None` when no URI is given.
    pub fn from_env(flag: Option<&str>, env: &dyn Fn(&str) -> Option<String>) -> Option<Self> {
        let uri = flag
            .map(str::to_string)
            .or_else(|| env("MLFLOW_TRACKING_URI"))?;
        let basic = env("MLFLOW_TRACKING_USERNAME").zip(env("MLFLOW_TRACKING_PASSWORD"));
        Some(Self {
            uri: uri.trim_end_matches('/').to_string(),
            token: env("MLFLOW_TRACKING_TOKEN"),
            basic,
        })
    }
}

/// Why a call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MlflowError {
    /// No answer from the server (after retries).
    #[error("MLflow server {uri} is unreachable: {message}")]
    Unreachable {
        /// The server.
        uri: String,
        /// The transport's message.
        message: String,
    },
    /// The server refused the credentials.
    #[error(
        "MLflow server {uri} refused the credentials (HTTP {status}); check MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME/PASSWORD"
    )]
    Auth {
        /// The server.
        uri: String,
        /// 401 or 403.
        status: u16,
    },
    /// The server answered with an error.
    #[error("MLflow {endpoint}: HTTP {status}: {message}")]
    Api {
        /// The endpoint called.
        endpoint: String,
        /// HTTP status.
        status: u16,
        /// The server's message.
        message: String,
    },
}

/// MLflow's per-request limits for `runs/log-batch`.
const MAX_METRICS: usize = 1000;
const MAX_PARAMS: usize = 100;
const MAX_TAGS: usize = 100;
/// Longest param value MLflow keeps (longer ones are cut silently).
pub const MAX_PARAM_LEN: usize = 6000;

/// A run as the server describes it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RunInfo {
    /// Run id.
    pub run_id: String,
    /// Where its artifacts go (`mlflow-artifacts:/...`).
    pub artifact_uri: String,
    /// `RUNNING`, `FINISHED`, ...
    pub status: String,
    /// When it started (ms since the epoch), as the server holds it.
    pub start_time: u64,
    /// Its tags.
    pub tags: Vec<(String, String)>,
    /// The latest value of each of its metrics.
    pub metrics: Vec<(String, f64)>,
}

impl RunInfo {
    /// The value of tag `key`, if the run has it.
    pub fn tag(&self, key: &str) -> Option<&str> {
        self.tags
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The latest value of metric `key`, if the run has one.
    pub fn metric(&self, key: &str) -> Option<f64> {
        self.metrics.iter().find(|(k, _)| k == key).map(|(_, v)| *v)
    }
}

/// One metric value at a step.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricPoint {
    /// Metric name.
    pub key: String,
    /// Value (NaN and inf allowed: sent as strings).
    pub value: f64,
    /// Milliseconds since the Unix epoch.
    pub timestamp_ms: u64,
    /// Step (epoch).
    pub step: u64,
}

/// A blocking MLflow client.
pub struct Client {
    agent: ureq::Agent,
    config: TrackingConfig,
    retries: u32,
}

fn number_or_string(v: f64) -> Value {
    if v.is_finite() {
        json!(v)
    } else if v.is_nan() {
        json!("NaN")
    } else if v > 0.0 {
        json!("Infinity")
    } else {
        json!("-Infinity")
    }
}

/// Cut a param value to what MLflow keeps, on a character boundary.
pub fn clip_param(value: &str) -> String {
    if value.len() <= MAX_PARAM_LEN {
        return value.to_string();
    }
    let mut end = MAX_PARAM_LEN - 3;
    while !value.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &value[..end])
}

impl Client {
    /// A client for `config` (nothing is sent yet).
    pub fn new(config: TrackingConfig) -> Self {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(30)))
            .http_status_as_error(false)
            .build()
            .into();
        Self {
            agent,
            config,
            retries: 4,
        }
    }

    /// Fewer retries (for a quick reachability check).
    pub fn with_retries(mut self, retries: u32) -> Self {
        self.retries = retries;
        self
    }

    /// The server URI.
    pub fn uri(&self) -> &str {
        &self.config.uri
    }

    fn auth_header(&self) -> Option<String> {
        if let Some(t) = &self.config.token {
            return Some(format!("Bearer {t}"));
        }
        self.config.basic.as_ref().map(|(u, p)| {
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"))
            )
        })
    }

    /// Send a request; retry transport errors, 429 and 5xx with backoff.
    fn send(
        &self,
        method: &str,
        endpoint: &str,
        query: &[(&str, &str)],
        body: Option<Vec<u8>>,
        content_type: &str,
    ) -> Result<Value, MlflowError> {
        let url = if endpoint.starts_with("/api/") {
            format!("{}{endpoint}", self.config.uri)
        } else {
            format!("{}/api/2.0/mlflow/{endpoint}", self.config.uri)
        };
        let mut delay = Duration::from_millis(250);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let result = self.once(method, &url, query, body.as_deref(), content_type);
            let retry = match &result {
                Err(MlflowError::Unreachable { .. }) => true,
                Err(MlflowError::Api { status, .. }) => *status == 429 || *status >= 500,
                _ => false,
            };
            if !retry || attempt > self.retries {
                return result.map_err(|e| match e {
                    MlflowError::Api {
                        status, message, ..
                    } => MlflowError::Api {
                        endpoint: endpoint.to_string(),
                        status,
                        message,
                    },
                    other => other,
                });
            }
            std::thread::sleep(delay);
            delay = (delay * 2).min(Duration::from_secs(4));
        }
    }

    fn once(
        &self,
        method: &str,
        url: &str,
        query: &[(&str, &str)],
        body: Option<&[u8]>,
        content_type: &str,
    ) -> Result<Value, MlflowError> {
        let unreachable = |e: ureq::Error| MlflowError::Unreachable {
            uri: self.config.uri.clone(),
            message: e.to_string(),
        };
        let auth = self.auth_header();
        let response = match method {
            "GET" => {
                let mut req = self.agent.get(url);
                for (k, v) in query {
                    req = req.query(*k, *v);
                }
                if let Some(a) = &auth {
                    req = req.header("Authorization", a);
                }
                req.call()
            }
            _ => {
                let mut req = if method == "PUT" {
                    self.agent.put(url)
                } else {
                    self.agent.post(url)
                };
                req = req.header("Content-Type", content_type);
                if let Some(a) = &auth {
                    req = req.header("Authorization", a);
                }
                req.send(body.unwrap_or_default())
            }
        };
        let mut response = response.map_err(unreachable)?;
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().unwrap_or_default();
        match status {
            200..=299 => Ok(serde_json::from_str(&text).unwrap_or(Value::Null)),
            401 | 403 => Err(MlflowError::Auth {
                uri: self.config.uri.clone(),
                status,
            }),
            _ => {
                let message = serde_json::from_str::<Value>(&text)
                    .ok()
                    .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_string))
                    .unwrap_or_else(|| text.chars().take(200).collect());
                Err(MlflowError::Api {
                    endpoint: url.to_string(),
                    status,
                    message,
                })
            }
        }
    }

    fn post(&self, endpoint: &str, body: Value) -> Result<Value, MlflowError> {
        self.send(
            "POST",
            endpoint,
            &[],
            Some(serde_json::to_vec(&body).expect("JSON")),
            "application/json",
        )
    }

    /// The id of experiment `name`, created if missing.
    pub fn experiment_id(&self, name: &str) -> Result<String, MlflowError> {
        match self.send(
            "GET",
            "experiments/get-by-name",
            &[("experiment_name", name)],
            None,
            "",
        ) {
            Ok(v) => Ok(v["experiment"]["experiment_id"]
                .as_str()
                .unwrap_or_default()
                .to_string()),
            Err(MlflowError::Api { status: 404, .. }) => {
                match self.post("experiments/create", json!({ "name": name })) {
                    Ok(v) => Ok(v["experiment_id"].as_str().unwrap_or_default().to_string()),
                    // Another process (a shard started at the same second)
                    // created it between our lookup and our create.
                    Err(MlflowError::Api {
                        status: 400,
                        message,
                        ..
                    }) if message.contains("already exists") => {
                        let v = self.send(
                            "GET",
                            "experiments/get-by-name",
                            &[("experiment_name", name)],
                            None,
                            "",
                        )?;
                        Ok(v["experiment"]["experiment_id"]
                            .as_str()
                            .unwrap_or_default()
                            .to_string())
                    }
                    Err(e) => Err(e),
                }
            }
            Err(e) => Err(e),
        }
    }

    /// Runs of an experiment matching an MLflow filter string (all pages).
    pub fn search_runs(
        &self,
        experiment_id: &str,
        filter: &str,
    ) -> Result<Vec<RunInfo>, MlflowError> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut body =
                json!({ "experiment_ids": [experiment_id], "filter": filter, "max_results": 1000 });
            if let Some(t) = &token {
                body["page_token"] = json!(t);
            }
            let v = self.post("runs/search", body)?;
            for run in v["runs"].as_array().into_iter().flatten() {
                out.push(run_info(run));
            }
            match v["next_page_token"].as_str() {
                Some(t) if !t.is_empty() => token = Some(t.to_string()),
                _ => return Ok(out),
            }
        }
    }

    /// Create a run with tags.
    pub fn create_run(
        &self,
        experiment_id: &str,
        name: &str,
        start_ms: u64,
        tags: &[(String, String)],
    ) -> Result<RunInfo, MlflowError> {
        let tags: Vec<Value> = tags
            .iter()
            .map(|(k, v)| json!({ "key": k, "value": v }))
            .collect();
        let v = self.post(
            "runs/create",
            json!({ "experiment_id": experiment_id, "run_name": name, "start_time": start_ms, "tags": tags }),
        )?;
        Ok(run_info(&v["run"]))
    }

    /// Log metrics, params and tags, split to the server's batch limits.
    pub fn log_batch(
        &self,
        run_id: &str,
        metrics: &[MetricPoint],
        params: &[(String, String)],
        tags: &[(String, String)],
    ) -> Result<(), MlflowError> {
        for chunk in params.chunks(MAX_PARAMS) {
            let params: Vec<Value> = chunk
                .iter()
                .map(|(k, v)| json!({ "key": k, "value": clip_param(v) }))
                .collect();
            self.post(
                "runs/log-batch",
                json!({ "run_id": run_id, "params": params }),
            )?;
        }
        for chunk in tags.chunks(MAX_TAGS) {
            let tags: Vec<Value> = chunk
                .iter()
                .map(|(k, v)| json!({ "key": k, "value": v }))
                .collect();
            self.post("runs/log-batch", json!({ "run_id": run_id, "tags": tags }))?;
        }
        for chunk in metrics.chunks(MAX_METRICS) {
            let metrics: Vec<Value> = chunk
                .iter()
                .map(|m| json!({ "key": m.key, "value": number_or_string(m.value), "timestamp": m.timestamp_ms, "step": m.step }))
                .collect();
            self.post(
                "runs/log-batch",
                json!({ "run_id": run_id, "metrics": metrics }),
            )?;
        }
        Ok(())
    }

    /// Mark a run ended (`FINISHED`, `FAILED` or `KILLED`).
    pub fn end_run(&self, run_id: &str, status: &str, end_ms: u64) -> Result<(), MlflowError> {
        self.post(
            "runs/update",
            json!({ "run_id": run_id, "status": status, "end_time": end_ms }),
        )
        .map(|_| ())
    }

    /// Mark a run as running again (a sweep that still lacks trials).
    pub fn reopen_run(&self, run_id: &str) -> Result<(), MlflowError> {
        self.post(
            "runs/update",
            json!({ "run_id": run_id, "status": "RUNNING" }),
        )
        .map(|_| ())
    }

    /// Delete a run (MLflow keeps it, marked deleted, out of searches). A
    /// run another process deleted a moment before counts as done.
    pub fn delete_run(&self, run_id: &str) -> Result<(), MlflowError> {
        match self.post("runs/delete", json!({ "run_id": run_id })) {
            Ok(_) => Ok(()),
            Err(e @ MlflowError::Api { .. }) => {
                let run = self.send("GET", "runs/get", &[("run_id", run_id)], None, "")?;
                if run["run"]["info"]["lifecycle_stage"] == "deleted" {
                    Ok(())
                } else {
                    Err(e)
                }
            }
            Err(e) => Err(e),
        }
    }

    /// Upload one artifact file into a run's artifact root.
    pub fn upload_artifact(
        &self,
        run: &RunInfo,
        name: &str,
        bytes: Vec<u8>,
    ) -> Result<(), MlflowError> {
        let root = run
            .artifact_uri
            .trim_start_matches("mlflow-artifacts:")
            .trim_start_matches('/');
        let endpoint = format!("/api/2.0/mlflow-artifacts/artifacts/{root}/{name}");
        self.send(
            "PUT",
            &endpoint,
            &[],
            Some(bytes),
            "application/octet-stream",
        )
        .map(|_| ())
    }
}

fn run_info(run: &Value) -> RunInfo {
    let tags = run["data"]["tags"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| {
            (
                t["key"].as_str().unwrap_or_default().to_string(),
                t["value"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    RunInfo {
        run_id: run["info"]["run_id"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        artifact_uri: run["info"]["artifact_uri"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        status: run["info"]["status"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        start_time: start_time(&run["info"]["start_time"]),
        tags,
        metrics: run["data"]["metrics"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|m| Some((m["key"].as_str()?.to_string(), metric_value(&m["value"])?)))
            .collect(),
    }
}

/// A timestamp the server sent as a number or, in some versions, a string.
fn start_time(v: &Value) -> u64 {
    v.as_u64()
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
        .unwrap_or(0)
}

/// A metric value: a number, or `"NaN"`/`"Infinity"` as a string.
fn metric_value(v: &Value) -> Option<f64> {
    v.as_f64()
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_finite_values_are_strings() {
        assert_eq!(number_or_string(f64::NAN), json!("NaN"));
        assert_eq!(number_or_string(f64::NEG_INFINITY), json!("-Infinity"));
        assert_eq!(number_or_string(0.5), json!(0.5));
    }

    #[test]
    fn long_params_are_clipped_on_a_char_boundary() {
        let long = "é".repeat(4000);
        let clipped = clip_param(&long);
        assert!(clipped.len() <= MAX_PARAM_LEN && clipped.ends_with("..."));
    }

    #[test]
    fn secrets_stay_out_of_debug_output() {
        let env = |k: &str| match k {
            "MLFLOW_TRACKING_URI" => Some("http://h:1/".to_string()),
            "MLFLOW_TRACKING_TOKEN" => Some("s3cret".to_string()),
            _ => None,
        };
        let c = TrackingConfig::from_env(None, &env).unwrap();
        assert_eq!(c.uri, "http://h:1");
        assert!(!format!("{c:?}").contains("s3cret"));
    }
}
