//! The customer asks a company's service (`hecate serve`) over HTTP: the card fetched, the
//! features checked against it and encrypted, the query sent, the answer checked and decrypted.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use hecate::{MAX_MESSAGE_LEN, ModelCard};
use ureq::http::StatusCode;

use super::decrypt::{AnswerKey, Decrypted};

const OCTETS: &str = "application/octet-stream";

/// A company's service at a URL.
#[derive(Debug, Clone)]
pub struct Company {
    agent: ureq::Agent,
    base: String,
}

impl Company {
    /// The service at `url` (`http://host:port` or `https://…`, maybe with a path prefix), each
    /// exchange given up after `timeout`. `ca_certificate` (PEM) is the one root an `https` service
    /// is checked against instead of the public ones: a company's own CA or self-signed
    /// certificate.
    pub fn new(url: &str, timeout: Duration, ca_certificate: Option<&[u8]>) -> Result<Self> {
        let parsed: ureq::http::Uri = url
            .parse()
            .with_context(|| format!("{url:?} is not a URL (e.g. http://127.0.0.1:8080)"))?;
        match parsed.scheme_str() {
            Some("http" | "https") if parsed.host().is_some() => {}
            _ => bail!("{url:?}: the company's URL starts with http:// or https:// and a host"),
        }
        if parsed.query().is_some() {
            bail!("{url:?}: the company's URL has no query part (?…)");
        }
        let mut tls = ureq::tls::TlsConfig::builder();
        if let Some(pem) = ca_certificate {
            let roots = ureq::tls::parse_pem(pem)
                .filter_map(|item| match item {
                    Ok(ureq::tls::PemItem::Certificate(certificate)) => Some(Ok(certificate)),
                    Ok(_) => None,
                    Err(error) => Some(Err(error)),
                })
                .collect::<Result<Vec<_>, _>>()
                .context("the CA certificate is not PEM")?;
            if roots.is_empty() {
                bail!("the CA certificate file holds no certificate");
            }
            tls = tls.root_certs(ureq::tls::RootCerts::Specific(Arc::new(roots)));
        }
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            .tls_config(tls.build())
            .user_agent(concat!("hecate/", env!("CARGO_PKG_VERSION")))
            .build()
            .new_agent();
        Ok(Self {
            agent,
            base: url.trim_end_matches('/').to_owned(),
        })
    }

    /// The model card the company publishes.
    pub fn card(&self) -> Result<ModelCard> {
        let url = format!("{}/v1/card", self.base);
        let response = self
            .agent
            .get(&url)
            .header("Accept", OCTETS)
            .call()
            .map_err(|error| unreachable(&url, error))?;
        let card = body(&url, response)?;
        ModelCard::from_bytes(&card).with_context(|| format!("{url}: not a model card"))
    }

    /// The answer message to the query message `query`.
    pub fn predict(&self, query: &[u8]) -> Result<Vec<u8>> {
        let url = format!("{}/v1/predict", self.base);
        let response = self
            .agent
            .post(&url)
            .header("Content-Type", OCTETS)
            .send(query)
            .map_err(|error| unreachable(&url, error))?;
        body(&url, response)
    }
}

/// Whether asking the service at `url` travels in the clear to another machine: anyone on the way
/// could replace the card or the answer (never read the features, which only the customer's key
/// decrypts).
pub fn travels_in_the_clear(url: &str) -> bool {
    let Ok(uri) = url.trim().parse::<ureq::http::Uri>() else {
        return false;
    };
    let loopback = match uri.host() {
        Some("localhost") => true,
        Some(host) => host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|address| address.is_loopback()),
        None => false,
    };
    uri.scheme_str() == Some("http") && !loopback
}

/// An error of the exchange itself: nothing came back.
fn unreachable(url: &str, error: ureq::Error) -> anyhow::Error {
    match error {
        ureq::Error::Timeout(_) => anyhow!("{url}: no answer in time ({error})"),
        error => anyhow!("cannot reach the company at {url}: {error}"),
    }
}

/// The body of a successful response, or the company's refusal as an error.
fn body(url: &str, response: ureq::http::Response<ureq::Body>) -> Result<Vec<u8>> {
    let status = response.status();
    let limit = u64::try_from(MAX_MESSAGE_LEN).unwrap_or(u64::MAX);
    let bytes = response
        .into_body()
        .with_config()
        .limit(limit)
        .read_to_vec()
        .with_context(|| format!("{url}: the response could not be read"))?;
    if status == StatusCode::OK {
        return Ok(bytes);
    }
    // A Hecate service says why in {"error": "..."}; anything else is shown as it came.
    let reason = serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()
        .and_then(|value| value.get("error")?.as_str().map(str::to_owned))
        .unwrap_or_else(|| String::from_utf8_lossy(&bytes).chars().take(200).collect());
    bail!("the company refused ({status}): {}", reason.trim());
}

/// What asking gave: the card the company published and the decrypted prediction.
#[derive(Debug)]
pub struct Asked {
    /// The company's card.
    pub card: ModelCard,
    /// The prediction, checked to be for this key and this card's model.
    pub prediction: Decrypted,
}

/// Asks `company` for the prediction from `values` (in the card's feature order) with the
/// customer's `key`: the card fetched and the values checked against it, the query encrypted and
/// sent, the answer refused if it is not for this key and this model, then decrypted.
pub fn ask(company: &Company, key: &dyn AnswerKey, values: &[f64]) -> Result<Asked> {
    let card = company.card()?;
    let query = key.encrypt_query(values, &card)?;
    let answer = company.predict(&query)?;
    let prediction = read_answer(key, &answer, &card)?;
    Ok(Asked { card, prediction })
}

/// The prediction in the company's `answer` to a query made for `card`: refused if it is not for
/// this key (the decryption says so) or not from this card's model (another model answered).
pub fn read_answer(key: &dyn AnswerKey, answer: &[u8], card: &ModelCard) -> Result<Decrypted> {
    let prediction = key
        .decrypt_answer_file(answer)
        .context("the company's answer")?;
    if prediction.model != card.id() {
        bail!(
            "the answer is from model {}, not from the card's model {}: refused",
            prediction.model,
            card.id()
        );
    }
    Ok(prediction)
}
