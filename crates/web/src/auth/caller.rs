//! The `Caller` extractor: who sent this request (a session cookie, an API token, or
//! nobody), in which language, and with what scope. Built once per request and cached.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum_extra::extract::CookieJar;

use domain::access::{self, Action, Actor};
use domain::audit::{ChangeAuthor, Channel};
use domain::language::Language;
use storage::people::PersonRow;
use storage::{now_millis, people, sessions};

use crate::auth::secrets::hash_token;
use crate::error::AppError;
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "pw_session";
pub const LANGUAGE_COOKIE: &str = "pw_lang";
/// Double-submit cookie protecting the sign-in form, which has no session yet.
pub const PRE_SESSION_CSRF_COOKIE: &str = "pw_csrf";

#[derive(Debug, Clone)]
pub struct SessionInfo {
    pub token_hash: String,
    pub csrf_token: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Anonymous,
    Session,
    ApiToken,
}

#[derive(Debug, Clone)]
pub struct Caller {
    pub actor: Option<Actor>,
    pub person: Option<PersonRow>,
    pub session: Option<SessionInfo>,
    pub language: Language,
    pub via: Via,
    /// The sign-in form's double-submit value, when the browser holds one.
    pub pre_session_csrf: Option<String>,
}

impl Caller {
    /// The signed-in actor, or 401.
    pub fn actor(&self) -> Result<&Actor, AppError> {
        self.actor.as_ref().ok_or(AppError::Unauthenticated)
    }

    /// Allowed to do `action`: the actor (`None` for the public), or 401/403.
    pub fn require(&self, action: Action) -> Result<Option<&Actor>, AppError> {
        if access::may(self.actor.as_ref(), action) {
            Ok(self.actor.as_ref())
        } else if self.actor.is_none() {
            Err(AppError::Unauthenticated)
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// Like `require`, for actions the public can never do.
    pub fn require_actor(&self, action: Action) -> Result<&Actor, AppError> {
        let actor = self.actor()?;
        if actor.may(action) { Ok(actor) } else { Err(AppError::Forbidden) }
    }

    pub fn may(&self, action: Action) -> bool {
        access::may(self.actor.as_ref(), action)
    }

    pub fn channel(&self) -> Channel {
        if self.via == Via::ApiToken { Channel::Api } else { Channel::Web }
    }

    pub fn author(&self) -> ChangeAuthor {
        ChangeAuthor { user_id: self.actor.as_ref().map(|a| a.user_id), channel: self.channel() }
    }

    /// The token a form must echo back to prove it came from our page.
    pub fn form_token(&self) -> String {
        match (&self.session, &self.pre_session_csrf) {
            (Some(session), _) => session.csrf_token.clone(),
            (None, Some(token)) => token.clone(),
            (None, None) => String::new(),
        }
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(caller) = parts.extensions.get::<Caller>() {
            return Ok(caller.clone());
        }
        let caller = identify(parts, state).await?;
        parts.extensions.insert(caller.clone());
        Ok(caller)
    }
}

async fn identify(parts: &Parts, state: &AppState) -> Result<Caller, AppError> {
    let jar = CookieJar::from_headers(&parts.headers);
    let cookie_language = jar.get(LANGUAGE_COOKIE).and_then(|c| Language::parse(c.value()));
    let mut caller = Caller {
        actor: None,
        person: None,
        session: None,
        language: cookie_language.unwrap_or_default(),
        via: Via::Anonymous,
        pre_session_csrf: jar.get(PRE_SESSION_CSRF_COOKIE).map(|c| c.value().to_string()),
    };
    let pool = state.store.reads();

    let user_id = if let Some(header) = parts.headers.get(AUTHORIZATION) {
        // A token that is present but wrong is an error, never a silent fall-back to public.
        let token = header
            .to_str()
            .ok()
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or(AppError::Unauthenticated)?;
        let user_id = sessions::api_token_user(pool, &hash_token(token)).await?.ok_or(AppError::Unauthenticated)?;
        caller.via = Via::ApiToken;
        Some(user_id)
    } else if let Some(cookie) = jar.get(SESSION_COOKIE) {
        let token_hash = hash_token(cookie.value());
        match sessions::session(pool, &token_hash, now_millis()).await? {
            Some(session) => {
                caller.session = Some(SessionInfo { token_hash, csrf_token: session.csrf_token });
                caller.via = Via::Session;
                Some(session.user_id)
            }
            None => None,
        }
    } else {
        None
    };

    // API clients say their language in Accept-Language; browsers keep Azerbaijani first
    // unless the person chooses otherwise.
    let header_language = parts
        .headers
        .get(axum::http::header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(Language::from_accept_language)
        .filter(|_| caller.via == Via::ApiToken);
    if let Some(user_id) = user_id {
        match people::actor(pool, user_id).await? {
            Some(actor) => {
                let person = people::by_id(pool, user_id).await?;
                let stored_language = person.as_ref().and_then(|p| Language::parse(&p.language));
                if cookie_language.is_none()
                    && let Some(language) = header_language.or(stored_language)
                {
                    caller.language = language;
                }
                caller.actor = Some(actor);
                caller.person = person;
            }
            // A disabled account's session or token is worth nothing.
            None if caller.via == Via::ApiToken => return Err(AppError::Unauthenticated),
            None => {
                caller.session = None;
                caller.via = Via::Anonymous;
            }
        }
    }
    Ok(caller)
}
