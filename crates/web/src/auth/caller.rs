//! The `Caller` extractor: who sent this request (a session cookie, an API token, or
//! nobody), in which language, and with what scope. Built once per request (a session's is
//! kept for the request; a token's is found again from memory if asked twice).

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::header::{ACCEPT_LANGUAGE, AUTHORIZATION};
use axum::http::request::Parts;
use axum_extra::extract::CookieJar;

use domain::access::{self, Action, Actor};
use domain::audit::{ChangeAuthor, Channel};
use domain::language::Language;
use storage::people::PersonRow;
use storage::{now_millis, people, sessions};

use crate::auth::identities::{Identity, Key};
use crate::auth::secrets::token_digest;
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
    pub actor: Option<Arc<Actor>>,
    pub person: Option<Arc<PersonRow>>,
    pub session: Option<SessionInfo>,
    pub language: Language,
    pub via: Via,
    /// The sign-in form's double-submit value, when the browser holds one.
    pub pre_session_csrf: Option<String>,
}

impl Caller {
    /// The signed-in actor, or 401.
    pub fn actor(&self) -> Result<&Actor, AppError> {
        self.actor.as_deref().ok_or(AppError::Unauthenticated)
    }

    /// Allowed to do `action`: the actor (`None` for the public), or 401/403.
    pub fn require(&self, action: Action) -> Result<Option<&Actor>, AppError> {
        if access::may(self.actor.as_deref(), action) {
            Ok(self.actor.as_deref())
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
        access::may(self.actor.as_deref(), action)
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
        // Kept for the rest of the request when something else may ask again: a page's error
        // handling and a session's CSRF check do. A token's request is asked once, by its
        // handler (every report from a device): keeping a copy would cost it for nothing.
        if caller.via != Via::ApiToken {
            parts.extensions.insert(caller.clone());
        }
        Ok(caller)
    }
}

/// The language of a request refused before anyone is identified in it: the language cookie,
/// else `Accept-Language`, else Azerbaijani.
pub fn language_before_identity(headers: &HeaderMap) -> Language {
    cookie_language(&CookieJar::from_headers(headers)).or_else(|| header_language(headers)).unwrap_or_default()
}

/// The language of an API request's caller, found again from its headers after the request is
/// gone (for an answer that did not know it): a signed-in caller's own, else as
/// `language_before_identity` (a program calling the API anonymously says what it reads in
/// `Accept-Language`).
pub async fn language_of(headers: HeaderMap, state: &AppState) -> Language {
    let (mut parts, ()) = axum::http::Request::new(()).into_parts();
    parts.headers = headers;
    match identify(&parts, state).await {
        Ok(caller) if caller.actor.is_some() => caller.language,
        _ => language_before_identity(&parts.headers),
    }
}

/// The language the person chose on a page (a cookie).
fn cookie_language(jar: &CookieJar) -> Option<Language> {
    jar.get(LANGUAGE_COOKIE).and_then(|c| Language::parse(c.value()))
}

/// The language a client asks for in `Accept-Language`.
fn header_language(headers: &HeaderMap) -> Option<Language> {
    headers.get(ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).and_then(Language::from_accept_language)
}

async fn identify(parts: &Parts, state: &AppState) -> Result<Caller, AppError> {
    let jar = CookieJar::from_headers(&parts.headers);
    let cookie_language = cookie_language(&jar);
    let mut caller = Caller {
        actor: None,
        person: None,
        session: None,
        language: cookie_language.unwrap_or_default(),
        via: Via::Anonymous,
        pre_session_csrf: jar.get(PRE_SESSION_CSRF_COOKIE).map(|c| c.value().to_string()),
    };
    // API clients say their language in Accept-Language; browsers keep Azerbaijani first
    // unless the person chooses otherwise.
    let header_language = header_language(&parts.headers);

    let Some((via, secret)) = credentials(parts, &jar)? else { return Ok(caller) };
    let key = Key { session: via == Via::Session, digest: token_digest(secret) };
    let (remembered, when_missed) = state.identities.get(&key);
    let identity = match remembered {
        Some(identity) if identity.expires_at.is_none_or(|end| end > now_millis()) => Some(identity),
        _ => {
            let loaded = load_identity(state, via, &domain::ledger::to_hex(&key.digest)).await?;
            if let Some(identity) = &loaded {
                state.identities.put(key, identity.clone(), when_missed);
            }
            loaded
        }
    };
    match identity {
        Some(identity) => {
            caller.via = via;
            if let Some(csrf_token) = identity.csrf_token {
                let token_hash = domain::ledger::to_hex(&key.digest);
                caller.session = Some(SessionInfo { token_hash, csrf_token });
            }
            let stored_language = identity.person.as_ref().and_then(|p| Language::parse(&p.language));
            let header_language = header_language.filter(|_| via == Via::ApiToken);
            if cookie_language.is_none()
                && let Some(language) = header_language.or(stored_language)
            {
                caller.language = language;
            }
            caller.actor = Some(identity.actor);
            caller.person = identity.person;
        }
        // A wrong or revoked token, or a disabled account's token, is refused outright; a
        // stale session cookie just means "not signed in".
        None if via == Via::ApiToken => return Err(AppError::Unauthenticated),
        None => {}
    }
    Ok(caller)
}

/// Who holds this session or token, from the database; `None` when it is unknown, expired,
/// revoked, or the account is disabled.
/// The credentials a request carries: a bearer token, or else a session cookie.
fn credentials<'a>(parts: &'a Parts, jar: &'a CookieJar) -> Result<Option<(Via, &'a str)>, AppError> {
    if let Some(header) = parts.headers.get(AUTHORIZATION) {
        // A token that is present but wrong is an error, never a silent fall-back to public.
        let token = header
            .to_str()
            .ok()
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or(AppError::Unauthenticated)?;
        return Ok(Some((Via::ApiToken, token)));
    }
    Ok(jar.get(SESSION_COOKIE).map(|cookie| (Via::Session, cookie.value())))
}

/// Who the request's credentials stand for now, read from the database rather than the
/// cache: a response that outlives its request (the live stream) checks from time to time
/// that its caller still may listen, whatever changed them (another process included).
pub async fn actor_afresh(parts: &Parts, state: &AppState) -> Result<Option<Arc<Actor>>, AppError> {
    let jar = CookieJar::from_headers(&parts.headers);
    let Some((via, secret)) = credentials(parts, &jar)? else { return Ok(None) };
    let identity = load_identity(state, via, &domain::ledger::to_hex(&token_digest(secret))).await?;
    Ok(identity.map(|identity| identity.actor))
}

async fn load_identity(state: &AppState, via: Via, token_hash: &str) -> Result<Option<Identity>, AppError> {
    let pool = state.store.reads();
    let (user_id, csrf_token, expires_at) = match via {
        Via::ApiToken => match sessions::api_token_user(pool, token_hash).await? {
            Some(user_id) => (user_id, None, None),
            None => return Ok(None),
        },
        _ => match sessions::session(pool, token_hash, now_millis()).await? {
            Some(session) => (session.user_id, Some(session.csrf_token), Some(session.expires_at)),
            None => return Ok(None),
        },
    };
    let Some(actor) = people::actor(pool, user_id).await? else { return Ok(None) };
    let person = people::by_id(pool, user_id).await?;
    Ok(Some(Identity { actor: Arc::new(actor), person: person.map(Arc::new), csrf_token, expires_at }))
}
