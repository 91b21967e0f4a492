//! Assembles the application: pages, the API, health, static files and the layers every
//! response passes through (security headers, CSRF origin guard, body limits, tracing).
//!
//! Those layers wrap the finished router once, as one service, rather than through
//! `Router::layer`, which wraps every route in each of them: a request then cloned the boxed
//! stack of its route layer by layer (37 boxed clones and 47 allocations per report, ~13 % of
//! the instructions of an API request before it reached its handler).

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::LazyLock;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower::{Service, ServiceBuilder};
use tower_http::trace::TraceLayer;

use crate::api::refusals::LocalizedRefusals;
use crate::auth::csrf::CsrfGuard;
use crate::delivery::{Asset, Representation};
use crate::state::AppState;
use crate::{api, pages};

/// The files served as they are: path, type, content.
const FILES: [(&str, &str, &str); 8] = [
    ("/static/app.css", "text/css; charset=utf-8", include_str!("../static/app.css")),
    ("/static/coverage.js", JAVASCRIPT, include_str!("../static/coverage.js")),
    ("/static/observe.js", JAVASCRIPT, include_str!("../static/observe.js")),
    ("/static/outbox.js", JAVASCRIPT, include_str!("../static/outbox.js")),
    ("/sw.js", JAVASCRIPT, include_str!("../static/sw.js")),
    ("/static/signed-out.js", JAVASCRIPT, include_str!("../static/signed-out.js")),
    ("/manifest.webmanifest", "application/manifest+json", include_str!("../static/manifest.webmanifest")),
    ("/static/icon.svg", "image/svg+xml", include_str!("../static/icon.svg")),
];
const JAVASCRIPT: &str = "text/javascript; charset=utf-8";

/// Each file hashed and compressed once. Browsers ask again each time (`no-cache`), and a
/// file they hold is answered 304: a new version reaches every phone on its next load.
static ASSETS: LazyLock<HashMap<&'static str, Asset>> = LazyLock::new(|| {
    FILES.iter().map(|(path, kind, content)| (*path, Asset::new(kind, "no-cache", *content))).collect()
});

/// No inline scripts or styles from elsewhere; pages cannot be framed (clickjacking).
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; \
     frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

/// The whole application as one service: the routes inside the layers every request passes.
pub fn router(
    state: AppState,
) -> impl Service<Request, Response = Response, Error = Infallible, Future: Send + 'static> + Clone + Send + Sync + 'static
{
    let max_upload = state.config.max_upload_bytes;
    ServiceBuilder::new()
        // Back to axum's body type from the trace layer's wrapper of it.
        .map_response(|response: axum::http::Response<_>| response.map(axum::body::Body::new))
        .layer(TraceLayer::new_for_http())
        .map_response(with_security_headers)
        .layer(DefaultBodyLimit::max(max_upload))
        .layer(CsrfGuard::layer(state.clone()))
        .layer(LocalizedRefusals::layer(state.clone()))
        .service(ApiOrRest { api: api::routes().with_state(state.clone()), rest: routes(state) })
}

/// Sends a request under the API's root to the API's router, as it is, and any other to the
/// rest. (As `Router::nest`, every API request's address was rebuilt without the root on
/// its way in, ~2,500 instructions a report, for handlers that never read it; the API's
/// routes are at their full addresses instead, see `api::under`.)
#[derive(Clone)]
struct ApiOrRest {
    api: Router,
    rest: Router,
}

impl Service<Request> for ApiOrRest {
    type Response = Response;
    type Error = Infallible;
    type Future = <Router as Service<Request>>::Future;

    fn poll_ready(&mut self, _: &mut std::task::Context<'_>) -> std::task::Poll<Result<(), Infallible>> {
        // Both routers are always ready.
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> Self::Future {
        if api::is_api(request.uri().path()) { self.api.call(request) } else { self.rest.call(request) }
    }
}

/// Pages, health, SMS webhooks and static files.
fn routes(state: AppState) -> Router {
    let router = Router::new()
        .merge(
            pages::routes(state.clone())
                .layer(axum::middleware::from_fn_with_state(state.clone(), pages::forget_identities)),
        )
        .route("/healthz", get(healthz))
        .route("/sms/inbound", axum::routing::post(crate::sms::webhook::inbound))
        .route("/sms/twilio", axum::routing::post(crate::sms::twilio::inbound))
        .route("/sms/android", axum::routing::post(crate::sms::android::inbound))
        .with_state(state);
    FILES.iter().fold(router, |router, (path, _, _)| router.route(path, get(file)))
}

async fn file(uri: Uri, headers: HeaderMap) -> Response {
    ASSETS.get(uri.path()).map_or_else(|| StatusCode::NOT_FOUND.into_response(), |asset| asset.respond(&headers))
}

/// Every response's security headers, unless its handler set its own. (One layer for all of
/// them: a layer each wrapped every request's future four more times.)
fn with_security_headers(mut response: Response) -> Response {
    const PAGE: [(HeaderName, &str); 4] = [
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "same-origin"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
    ];
    // JSON is never shown as a page: it may load nothing and be framed nowhere, and with no
    // links there is no referrer to guard. What the API says about people and their reports
    // is kept in no cache, a seized phone's browser cache included (handlers that may be
    // cached, photos for one, say so themselves). As OWASP's REST Security Cheat Sheet
    // advises; and each answer is 100 bytes shorter than with a page's headers.
    const JSON: [(HeaderName, &str); 4] = [
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::CONTENT_SECURITY_POLICY, "default-src 'none'; frame-ancestors 'none'"),
        (header::CACHE_CONTROL, "no-store"),
    ];
    let json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|value| value.as_bytes().starts_with(b"application/json"))
        .or_else(|| response.extensions().get::<Representation>().map(|r| r.json))
        .unwrap_or(false);
    let headers = response.headers_mut();
    for (name, value) in if json { JSON } else { PAGE } {
        headers.entry(name).or_insert(HeaderValue::from_static(value));
    }
    response
}

/// 200 when the database answers, 503 when it does not.
async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ok"),
        Err(error) => {
            tracing::error!(%error, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}
