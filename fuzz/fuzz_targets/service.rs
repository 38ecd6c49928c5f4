//! The company's service without the network (`hecate_app::service::Routes`, what each connection
//! asks): whatever the request, the status is one the API documents and never a 500 (a panic
//! caught on the prediction's thread); every refusal is one line of JSON naming the problem; a body
//! longer than the endpoint's cap, or declared so, is refused with 413; the card comes back as
//! published; and a prediction is answered exactly when `hecate predict`'s workflow answers the
//! same query (and a python-paillier file exactly when its workflow does), with an answer for the
//! query's key.
//!
//! The first byte picks the request (`hecate_fuzz::SERVICE_*`): the path in its low 3 bits, a POST,
//! `Accept: application/json`, a declared `Content-Length`; the rest is the body. The rate limits
//! are off: every input comes from one address with a handful of keys.
#![no_main]

use std::net::{IpAddr, Ipv4Addr};
use std::sync::LazyLock;
use std::time::Duration;

use hecate::{Model, ModelCard, answer_addressee, query_fingerprint};
use hecate_app::service::{Company, Limits, Routes};
use hecate_app::workflows::{inspect, predict};
use hecate_fuzz::{
    SERVICE_DECLARED, SERVICE_JSON, SERVICE_OVER_CAP, SERVICE_PATHS, SERVICE_POST, encode,
    salary_model,
};
use http_body_util::BodyExt;
use libfuzzer_sys::fuzz_target;

struct Service {
    runtime: tokio::runtime::Runtime,
    routes: Routes,
    model: Model,
    card: ModelCard,
    card_message: Vec<u8>,
    keys: predict::VerifiedKeys,
}

static SERVICE: LazyLock<Service> = LazyLock::new(|| {
    let model = salary_model();
    // 1024-bit test keys too, so that accepted queries are quick to answer.
    let card = model.card(&[1024, 2048]).expect("a card");
    let card_message = encode(|o| card.to_bytes(o));
    let company = Company::new(model.clone(), &card_message, true).expect("the company");
    let limits = Limits {
        per_address: None,
        per_key: None,
        timeout: Duration::from_secs(5),
        ..Limits::default()
    };
    Service {
        runtime: tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("a runtime"),
        routes: Routes::new(company, limits),
        model,
        card,
        card_message,
        keys: predict::VerifiedKeys::default(),
    }
});

const DOCUMENTED: [u16; 8] = [200, 400, 404, 405, 408, 413, 422, 503];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    let service = &*SERVICE;
    let path = SERVICE_PATHS[usize::from(selector & 7)];
    let post = selector & SERVICE_POST != 0;
    let cap = match path {
        "/v1/predict" => predict::largest_query_len(&service.card),
        "/v1/predict/phe-json" => predict::largest_phe_query_len(&service.card),
        _ => usize::MAX,
    };
    let mut request = http::Request::builder()
        .method(if post { "POST" } else { "GET" })
        .uri(path);
    if selector & SERVICE_JSON != 0 {
        request = request.header("Accept", "application/json");
    }
    let declared = match (
        selector & SERVICE_DECLARED != 0,
        selector & SERVICE_OVER_CAP != 0,
    ) {
        (_, true) => Some(cap.saturating_add(1)),
        (true, false) => Some(body.len()),
        (false, false) => None,
    };
    if let Some(length) = declared {
        request = request.header("Content-Length", length.to_string());
    }
    let request = request
        .body(http_body_util::Full::new(bytes::Bytes::copy_from_slice(
            body,
        )))
        .expect("a request");
    let response = service.runtime.block_on(
        service
            .routes
            .answer(IpAddr::V4(Ipv4Addr::LOCALHOST), request),
    );
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("Content-Type")
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let answer = service
        .runtime
        .block_on(response.into_body().collect())
        .expect("a body")
        .to_bytes();
    assert!(DOCUMENTED.contains(&status), "status {status} for {path}");
    if status != 200 {
        assert_eq!(content_type.as_deref(), Some("application/json"));
        let text = std::str::from_utf8(&answer).expect("UTF-8");
        assert!(
            text.ends_with('\n') && text.trim_end().lines().count() == 1,
            "not one line: {text:?}"
        );
        let refusal: serde_json::Value = serde_json::from_str(text).expect("JSON");
        assert!(
            refusal["error"].as_str().is_some_and(|why| !why.is_empty()),
            "{text}"
        );
    }
    let over_cap = body.len() > cap || declared.is_some_and(|length| length > cap);
    match (path, post) {
        ("/v1/card", false) => {
            assert_eq!(status, 200);
            if selector & SERVICE_JSON != 0 {
                let shown: serde_json::Value = serde_json::from_slice(&answer).expect("JSON");
                assert_eq!(shown, inspect::card_json(&service.card));
            } else {
                assert_eq!(answer, service.card_message);
            }
        }
        ("/v1/predict", true) if over_cap => assert_eq!(status, 413),
        ("/v1/predict", true) => {
            let Ok(fingerprint) = query_fingerprint(body) else {
                assert_eq!(status, 400);
                return;
            };
            let direct = predict::check_key_size(&service.card, body)
                .and_then(|()| predict::predict(&service.model, body, &service.keys));
            match direct {
                Ok(_) => {
                    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&answer));
                    let (addressee, _) = answer_addressee(&answer).expect("an answer message");
                    assert_eq!(addressee, fingerprint);
                }
                Err(error) => assert!(
                    status == 400 || status == 422,
                    "{status} for a query the workflow refuses: {error:#}"
                ),
            }
        }
        ("/v1/predict/phe-json", true) if over_cap => assert_eq!(status, 413),
        ("/v1/predict/phe-json", true) => {
            let direct = std::str::from_utf8(body)
                .map_err(anyhow::Error::from)
                .and_then(|text| predict::predict_phe(&service.model, text, true));
            match direct {
                Ok(_) => assert_eq!(status, 200),
                Err(error) => assert!(
                    status == 400 || status == 422,
                    "{status} for a file the workflow refuses: {error:#}"
                ),
            }
        }
        ("/healthz" | "/readyz" | "/metrics", false) => assert_eq!(status, 200),
        (
            "/v1/card"
            | "/v1/predict"
            | "/v1/predict/phe-json"
            | "/healthz"
            | "/readyz"
            | "/metrics",
            _,
        ) => assert_eq!(status, 405),
        _ => assert_eq!(status, 404),
    }
});
