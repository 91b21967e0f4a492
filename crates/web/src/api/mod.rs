//! The JSON API, version 1. Each handler is declared with its OpenAPI description next to
//! it (`#[utoipa::path]`) and registered with `routes!`, so the document served at
//! `/api/v1/openapi.json` is generated from the code and cannot drift from it.
//! Partners and analysts get aggregated data only; people are visible within scope.

pub mod coordination;
pub mod json_body;
mod people;
mod reference;
pub mod refusals;
pub mod reporting;

use axum::Json;
use axum::routing::get;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouter};
use utoipa_axum::routes;

use crate::error::AppError;
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "pollwatch API",
        description = "Election observation data: the election, constituencies, polling stations, candidates, \
                       the coalition's organisations and people (within the caller's scope), and the audit log. \
                       Authenticate with `Authorization: Bearer <token>` (tokens are issued by coalition admins) \
                       or a browser session. Times are milliseconds since the Unix epoch (UTC).",
        license(name = "AGPL-3.0-or-later")
    ),
    modifiers(&Security),
    tags(
        (name = "election", description = "Public reference data"),
        (name = "people", description = "Accounts within the caller's scope"),
        (name = "audit", description = "The audit log (coalition admins)"),
        (name = "reporting", description = "Observers' reports: forms, submissions, photos"),
        (name = "coordination", description = "Coverage, the live feed, incidents, disagreements")
    )
)]
struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components
            .add_security_scheme("session", SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("pw_session"))));
    }
}

/// The API's routes, each at `prefix` and its documented path.
fn documented_routes(prefix: &str) -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(under(prefix, routes!(reference::election)))
        .routes(under(prefix, routes!(reference::constituencies)))
        .routes(under(prefix, routes!(reference::constituency)))
        .routes(under(prefix, routes!(reference::stations)))
        .routes(under(prefix, routes!(reference::candidates)))
        .routes(under(prefix, routes!(reference::organisations)))
        .routes(under(prefix, routes!(people::me)))
        .routes(under(prefix, routes!(people::list)))
        .routes(under(prefix, routes!(people::show)))
        .routes(under(prefix, routes!(people::audit_log)))
        .routes(under(prefix, routes!(reporting::forms)))
        .routes(under(prefix, routes!(reporting::submit)))
        .routes(under(prefix, routes!(reporting::mine)))
        .routes(under(prefix, routes!(reporting::upload_photo)))
        .routes(under(prefix, routes!(reporting::photo)))
        .routes(under(prefix, routes!(coordination::coverage)))
        .routes(under(prefix, routes!(coordination::missing)))
        .routes(under(prefix, routes!(coordination::constituency_stations)))
        .routes(under(prefix, routes!(coordination::events)))
        .routes(under(prefix, routes!(coordination::incident_list)))
        .routes(under(prefix, routes!(coordination::incident)))
        .routes(under(prefix, routes!(coordination::change_incident)))
        .routes(under(prefix, routes!(coordination::conflict_list)))
        .routes(under(prefix, routes!(coordination::resolve_conflict)))
        .routes(under(prefix, routes!(coordination::ledger_head)))
}

/// Routes at `prefix` and their path. The server routes the API at its full address: nested
/// under `ROOT`, every request's address was rebuilt without it on the way in (~2,500
/// instructions a report), for handlers that never read it. The document's paths are relative
/// to its server, `ROOT`.
fn under(
    prefix: &str,
    (schemas, mut paths, method_router): UtoipaMethodRouter<AppState>,
) -> UtoipaMethodRouter<AppState> {
    let relative = std::mem::take(&mut paths.paths);
    paths.paths = relative.into_iter().map(|(path, item)| (format!("{prefix}{path}"), item)).collect();
    (schemas, paths, method_router)
}

/// The OpenAPI document, as served at `/api/v1/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut document = documented_routes("").into_openapi();
    document.servers = Some(vec![utoipa::openapi::Server::new("/api/v1")]);
    document
}

/// Where the API is served; writes under it from a browser session need the session's token
/// (`auth::csrf`).
pub const ROOT: &str = "/api/v1";

/// Whether a request's path is the API's.
pub fn is_api(path: &str) -> bool {
    path.strip_prefix(ROOT).is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// The API at its full addresses (under `ROOT`), with its own answers for addresses and
/// methods it does not have.
pub fn routes() -> axum::Router<AppState> {
    let (router, _) = documented_routes(ROOT).split_for_parts();
    let document = openapi();
    router
        .route(&format!("{ROOT}/openapi.json"), get(move || async move { Json(document) }))
        // Addresses and methods the API does not have are answered in JSON like its errors.
        .fallback(|| async { AppError::NotFound })
        .method_not_allowed_fallback(|| async { AppError::MethodNotAllowed })
}
