//! Outbound HTTPS (the Android gateway's cloud API, or its private server behind TLS):
//! rustls with the ring provider, chosen once per process before any HTTP client is made.

/// Idempotent; every server start calls it, and anything else that builds HTTP clients.
pub fn install() {
    // An error means a provider is already in place, which is all that is needed.
    let _ = rustls::crypto::ring::default_provider().install_default();
}
