//! The roles a person can hold in the coalition. What each role may do is decided in
//! `access`; this module only names them.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Runs the whole mission: every constituency, every organisation, the audit log.
    CoalitionAdmin,
    /// Manages the people of one member organisation.
    OrgAdmin,
    /// Follows the constituencies assigned to them and the observers deployed there.
    Coordinator,
    /// Reports from the polling station(s) they are deployed to.
    Observer,
    /// Monitors media coverage of the campaign.
    MediaMonitor,
    /// Reads aggregated data; never sees who observed what.
    Analyst,
    /// An outside organisation reading aggregated data through an API token.
    Partner,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::CoalitionAdmin,
        Role::OrgAdmin,
        Role::Coordinator,
        Role::Observer,
        Role::MediaMonitor,
        Role::Analyst,
        Role::Partner,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::CoalitionAdmin => "coalition_admin",
            Role::OrgAdmin => "org_admin",
            Role::Coordinator => "coordinator",
            Role::Observer => "observer",
            Role::MediaMonitor => "media_monitor",
            Role::Analyst => "analyst",
            Role::Partner => "partner",
        }
    }

    /// Accepts the stored name and the spellings people type in spreadsheets, in any case:
    /// folded by Azerbaijani rules, so "MÜŞAHİDƏÇİ" and "KOORDİNATOR" (capital İ) are read,
    /// and so is "COORDINATOR" (capital I).
    pub fn parse(text: &str) -> Option<Role> {
        let normalized = crate::text::search_query(text).replace(' ', "_");
        let role = match normalized.as_str() {
            "coalition_admin" | "admin" => Role::CoalitionAdmin,
            "org_admin" | "organisation_admin" | "organization_admin" => Role::OrgAdmin,
            "coordinator" | "koordinator" | "координатор" => Role::Coordinator,
            "observer" | "musahideci" | "наблюдатель" => Role::Observer,
            "media_monitor" => Role::MediaMonitor,
            "analyst" | "analitik" | "аналитик" => Role::Analyst,
            "partner" | "партнер" => Role::Partner,
            _ => return None,
        };
        Some(role)
    }

    /// Whether the role's work needs a member organisation (observers are always deployed
    /// by one of the three NGOs; partners are outsiders).
    pub fn belongs_to_organisation(self) -> bool {
        matches!(self, Role::OrgAdmin | Role::Observer | Role::Coordinator | Role::MediaMonitor)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_round_trips_through_its_name() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("Müşahidəçi"), Some(Role::Observer));
        assert_eq!(Role::parse("Org Admin"), Some(Role::OrgAdmin));
        assert_eq!(Role::parse("king"), None);
    }

    #[test]
    fn role_names_are_read_in_any_case_and_language() {
        for (typed, role) in [
            ("MÜŞAHİDƏÇİ", Role::Observer),
            ("Müşahidəçi", Role::Observer),
            ("KOORDİNATOR", Role::Coordinator),
            ("COORDINATOR", Role::Coordinator),
            ("Coalition Admin", Role::CoalitionAdmin),
            ("org-admin", Role::OrgAdmin),
            ("НАБЛЮДАТЕЛЬ", Role::Observer),
            ("Партнёр", Role::Partner),
            (" analitik ", Role::Analyst),
        ] {
            assert_eq!(Role::parse(typed), Some(role), "{typed}");
        }
        assert_eq!(Role::parse("superuser"), None);
    }
}
