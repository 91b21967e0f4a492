//! Building and running the server: open the store, bind, serve until asked to stop.

use std::net::SocketAddr;

use storage::Store;
use tokio::net::TcpListener;

use crate::config::ServeSettings;

pub struct Application {
    listener: TcpListener,
    state: web::AppState,
    store: Store,
}

impl Application {
    /// Opens the listener (port 0 picks a free port) around an opened store.
    pub async fn build(store: Store, settings: &ServeSettings) -> std::io::Result<Application> {
        let listener = TcpListener::bind(settings.bind).await?;
        let forms = web::reporting::FormCatalog::load(&store).await.map_err(std::io::Error::other)?;
        let config = settings.web_config().map_err(std::io::Error::other)?;
        let state = web::AppState::new(store.clone(), config, forms);
        web::sms::outbox::spawn(state.clone());
        Ok(Application { listener, state, store })
    }

    /// What the handlers share: the demo plays its election morning through it.
    pub fn state(&self) -> &web::AppState {
        &self.state
    }

    pub fn address(&self) -> SocketAddr {
        self.listener.local_addr().expect("a bound listener has an address")
    }

    /// Serves until Ctrl-C or SIGTERM, then lets requests in flight finish.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run_until(shutdown_signal()).await
    }

    /// Serves until `stop` completes (tests stop and restart the server this way).
    pub async fn run_until(self, stop: impl std::future::Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        let service = axum::ServiceExt::<axum::extract::Request>::into_make_service_with_connect_info::<SocketAddr>(
            web::router(self.state),
        );
        axum::serve(self.listener, service).with_graceful_shutdown(stop).await?;
        self.store.close().await;
        Ok(())
    }
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {},
        _ = terminate => {},
    }
}
