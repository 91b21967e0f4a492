//! The audit log's vocabulary: through which channel a change came, and what it was.
//! Entries are written by storage in the same transaction as the change they describe.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    Web,
    Api,
    Cli,
    Sms,
    /// The demo generator: never present in a real mission's database.
    Demo,
}

impl Channel {
    pub const ALL: [Channel; 5] = [Channel::Web, Channel::Api, Channel::Cli, Channel::Sms, Channel::Demo];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Web => "web",
            Channel::Api => "api",
            Channel::Cli => "cli",
            Channel::Sms => "sms",
            Channel::Demo => "demo",
        }
    }

    pub fn parse(text: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.as_str() == text)
    }
}

/// Who made a change, as the log records it. A CLI run has no signed-in person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeAuthor {
    pub user_id: Option<i64>,
    pub channel: Channel,
}

impl ChangeAuthor {
    pub fn system(channel: Channel) -> Self {
        ChangeAuthor { user_id: None, channel }
    }

    pub fn user(user_id: i64, channel: Channel) -> Self {
        ChangeAuthor { user_id: Some(user_id), channel }
    }
}
