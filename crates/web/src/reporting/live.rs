//! The live feed: a broadcast of "something changed here" notices that the coverage
//! dashboard receives over server-sent events and answers by refreshing its figures.

use serde::Serialize;
use tokio::sync::broadcast;

#[derive(Debug, Clone, Serialize)]
pub struct Notice {
    /// `submission`, `incident` or `conflict`.
    pub kind: &'static str,
    pub constituency_no: i64,
    pub form_code: String,
    pub station: String,
}

pub struct LiveFeed {
    sender: broadcast::Sender<Notice>,
}

impl Default for LiveFeed {
    fn default() -> Self {
        // A slow dashboard that falls this far behind just refreshes everything.
        let (sender, _) = broadcast::channel(1024);
        LiveFeed { sender }
    }
}

impl LiveFeed {
    pub fn publish(&self, notice: Notice) {
        let _ = self.sender.send(notice);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Notice> {
        self.sender.subscribe()
    }
}
