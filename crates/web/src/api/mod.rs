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
use utoipa_axum::router::OpenApiRouter;
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

fn documented_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(reference::election))
        .routes(routes!(reference::constituencies))
        .routes(routes!(reference::constituency))
        .routes(routes!(reference::stations))
        .routes(routes!(reference::candidates))
        .routes(routes!(reference::organisations))
        .routes(routes!(people::me))
        .routes(routes!(people::list))
        .routes(routes!(people::show))
        .routes(routes!(people::audit_log))
        .routes(routes!(reporting::forms))
        .routes(routes!(reporting::submit))
        .routes(routes!(reporting::mine))
        .routes(routes!(reporting::upload_photo))
        .routes(routes!(reporting::photo))
        .routes(routes!(coordination::coverage))
        .routes(routes!(coordination::missing))
        .routes(routes!(coordination::constituency_stations))
        .routes(routes!(coordination::events))
        .routes(routes!(coordination::incident_list))
        .routes(routes!(coordination::incident))
        .routes(routes!(coordination::change_incident))
        .routes(routes!(coordination::conflict_list))
        .routes(routes!(coordination::resolve_conflict))
        .routes(routes!(coordination::ledger_head))
}

/// The OpenAPI document, as served at `/api/v1/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut document = documented_routes().into_openapi();
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

pub fn routes() -> axum::Router<AppState> {
    let (router, _) = documented_routes().split_for_parts();
    let document = openapi();
    router
        .route("/openapi.json", get(move || async move { Json(document) }))
        // Addresses and methods the API does not have are answered in JSON like its errors.
        .fallback(|| async { AppError::NotFound })
        .method_not_allowed_fallback(|| async { AppError::MethodNotAllowed })
}
