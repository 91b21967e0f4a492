//! The incident workflow: new → triaged → verified or rejected → referred → resolved.
//! Which moves are allowed lives here, so the page, the API and any later channel agree.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IncidentStatus {
    New,
    Triaged,
    Verified,
    Rejected,
    /// Passed to a commission (which one is recorded with the move).
    Referred,
    Resolved,
}

impl IncidentStatus {
    pub const ALL: [IncidentStatus; 6] = [
        IncidentStatus::New,
        IncidentStatus::Triaged,
        IncidentStatus::Verified,
        IncidentStatus::Rejected,
        IncidentStatus::Referred,
        IncidentStatus::Resolved,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            IncidentStatus::New => "new",
            IncidentStatus::Triaged => "triaged",
            IncidentStatus::Verified => "verified",
            IncidentStatus::Rejected => "rejected",
            IncidentStatus::Referred => "referred",
            IncidentStatus::Resolved => "resolved",
        }
    }

    pub fn parse(text: &str) -> Option<IncidentStatus> {
        IncidentStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Where an incident may go from here. A rejected incident can be reopened (triaged
    /// again) when new evidence arrives; a resolved one is closed.
    pub fn next(self) -> &'static [IncidentStatus] {
        use IncidentStatus::*;
        match self {
            New => &[Triaged, Rejected],
            Triaged => &[Verified, Rejected],
            Verified => &[Referred, Resolved],
            Rejected => &[Triaged],
            Referred => &[Resolved],
            Resolved => &[],
        }
    }

    pub fn may_become(self, next: IncidentStatus) -> bool {
        self.next().contains(&next)
    }
}

/// Severity as the incident form numbers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Low = 1,
    Medium = 2,
    High = 3,
    Critical = 4,
}

impl Severity {
    pub fn from_choice(value: u8) -> Option<Severity> {
        match value {
            1 => Some(Severity::Low),
            2 => Some(Severity::Medium),
            3 => Some(Severity::High),
            4 => Some(Severity::Critical),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::IncidentStatus::*;

    #[test]
    fn incidents_move_only_along_the_workflow() {
        assert!(New.may_become(Triaged));
        assert!(!New.may_become(Verified), "verification needs triage first");
        assert!(Verified.may_become(Referred));
        assert!(Rejected.may_become(Triaged));
        assert!(Resolved.next().is_empty());
    }
}
