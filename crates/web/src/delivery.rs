//! What the observer app loads each time it opens (its scripts, stylesheet and the forms),
//! made cheap on a slow mobile link: sent gzipped when the browser takes it (about a third of
//! the bytes), and answered 304 with no body when the browser already holds this version.
//! Each body is hashed and compressed once, not per request.
//!
//! Only bodies that hold no secret and echo nothing a request sent are compressed: pages carry
//! the session's form token and echo search terms, and compressing the two together over TLS
//! lets a third party guess the token from response sizes (BREACH).

use std::io::Write;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// A body with its validators and its gzipped form.
pub struct Asset {
    content_type: &'static str,
    cache_control: &'static str,
    plain: Bytes,
    /// `None` when compressing does not make it smaller.
    gzipped: Option<Bytes>,
    /// Strong tags, one per representation: a cache must not take one for the other.
    etag_plain: HeaderValue,
    etag_gzipped: HeaderValue,
}

impl Asset {
    pub fn new(content_type: &'static str, cache_control: &'static str, body: impl Into<Bytes>) -> Asset {
        let plain: Bytes = body.into();
        let tag = hex::encode(&Sha256::digest(&plain)[..12]);
        let gzipped = gzip(&plain).filter(|gzipped| gzipped.len() < plain.len()).map(Bytes::from);
        Asset {
            content_type,
            cache_control,
            plain,
            gzipped,
            etag_plain: HeaderValue::from_str(&format!("\"{tag}\"")).expect("hex is a header value"),
            etag_gzipped: HeaderValue::from_str(&format!("\"{tag}-gz\"")).expect("hex is a header value"),
        }
    }

    /// The answer to a GET with these request headers.
    pub fn respond(&self, request: &HeaderMap) -> Response {
        let gzipped = self.gzipped.as_ref().filter(|_| takes_gzip(request));
        let etag = if gzipped.is_some() { &self.etag_gzipped } else { &self.etag_plain };
        let mut response = if already_held(request, etag) {
            let mut response = StatusCode::NOT_MODIFIED.into_response();
            // A 304 has no type of its own; the security headers are chosen by it.
            response
                .extensions_mut()
                .insert(Representation { json: self.content_type.starts_with("application/json") });
            response
        } else {
            let mut response = Body::from(gzipped.unwrap_or(&self.plain).clone()).into_response();
            let headers = response.headers_mut();
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(self.content_type));
            if gzipped.is_some() {
                headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            }
            response
        };
        let headers = response.headers_mut();
        headers.insert(header::ETAG, etag.clone());
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(self.cache_control));
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        response
    }
}

fn gzip(body: &[u8]) -> Option<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::with_capacity(body.len() / 3), flate2::Compression::best());
    encoder.write_all(body).ok()?;
    encoder.finish().ok()
}

/// What a body-less answer stands for: the security-headers layer reads it where there is no
/// `Content-Type` to go by.
#[derive(Clone, Copy)]
pub struct Representation {
    pub json: bool,
}

/// `If-None-Match` names the tag of the version that would be sent (or any, `*`). Weak
/// comparison, as RFC 9110 asks for this header: `W/"x"` matches `"x"`.
fn already_held(request: &HeaderMap, etag: &HeaderValue) -> bool {
    request
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|tag| tag.trim().trim_start_matches("W/"))
        .any(|tag| tag == "*" || tag.as_bytes() == etag.as_bytes())
}

/// Whether `Accept-Encoding` takes gzip: as named if it is named (`gzip;q=0` refuses it even
/// beside `*`), else as `*` says; absent or unnamed, not.
fn takes_gzip(request: &HeaderMap) -> bool {
    let codings: Vec<(String, bool)> = request
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(|coding| {
            let mut parts = coding.split(';');
            let name = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let refused = parts.any(|parameter| {
                let (key, value) = parameter.split_once('=').unwrap_or((parameter, ""));
                key.trim().eq_ignore_ascii_case("q") && value.trim().parse::<f32>().is_ok_and(|q| q <= 0.0)
            });
            (name, !refused)
        })
        .collect();
    let said = |name: &str| codings.iter().find(|(coding, _)| coding == name).map(|(_, taken)| *taken);
    said("gzip").or_else(|| said("*")).unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        pairs.iter().map(|(name, value)| (name.clone(), HeaderValue::from_str(value).unwrap())).collect()
    }

    #[test]
    fn gzip_is_taken_unless_refused() {
        assert!(takes_gzip(&headers(&[(header::ACCEPT_ENCODING, "gzip, deflate, br")])));
        assert!(takes_gzip(&headers(&[(header::ACCEPT_ENCODING, "br;q=1.0, GZIP;q=0.5")])));
        assert!(takes_gzip(&headers(&[(header::ACCEPT_ENCODING, "*")])));
        assert!(!takes_gzip(&headers(&[(header::ACCEPT_ENCODING, "gzip;q=0")])));
        assert!(!takes_gzip(&headers(&[(header::ACCEPT_ENCODING, "gzip; q=0.000")])));
        assert!(!takes_gzip(&headers(&[(header::ACCEPT_ENCODING, "gzip;Q=0")])));
        assert!(!takes_gzip(&headers(&[(header::ACCEPT_ENCODING, "gzip;q=0, *")])), "named, gzip is refused");
        assert!(!takes_gzip(&headers(&[(header::ACCEPT_ENCODING, "*;q=0")])));
        assert!(!takes_gzip(&headers(&[(header::ACCEPT_ENCODING, "identity")])));
        assert!(!takes_gzip(&HeaderMap::new()));
    }

    #[test]
    fn a_held_version_is_not_sent_again() {
        let asset = Asset::new("text/plain", "no-cache", "hello ".repeat(100));
        let first = asset.respond(&headers(&[(header::ACCEPT_ENCODING, "gzip")]));
        assert_eq!(first.status(), StatusCode::OK);
        assert_eq!(first.headers()[header::CONTENT_ENCODING], "gzip");
        let tag = first.headers()[header::ETAG].to_str().unwrap().to_string();
        assert!(tag.ends_with("-gz\""), "{tag}");
        let again = asset.respond(&headers(&[
            (header::ACCEPT_ENCODING, "gzip"),
            (header::IF_NONE_MATCH, &format!("\"other\", W/{tag}")),
        ]));
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
        // Holding the gzipped version is not holding the plain one.
        assert_eq!(asset.respond(&headers(&[(header::IF_NONE_MATCH, &tag)])).status(), StatusCode::OK);
        let changed = Asset::new("text/plain", "no-cache", "hello ".repeat(101));
        let asked = headers(&[(header::ACCEPT_ENCODING, "gzip"), (header::IF_NONE_MATCH, &tag)]);
        assert_eq!(changed.respond(&asked).status(), StatusCode::OK);
    }

    #[test]
    fn a_body_that_does_not_shrink_is_sent_as_it_is() {
        let asset = Asset::new("text/plain", "no-cache", "x");
        let response = asset.respond(&headers(&[(header::ACCEPT_ENCODING, "gzip")]));
        assert!(!response.headers().contains_key(header::CONTENT_ENCODING));
    }
}
