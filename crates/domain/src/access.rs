//! Who may do what, and where. Every HTTP route asks these functions; nothing else decides.
//! A caller is an `Actor` (a signed-in person or a token) or nobody (the public).
//! Rules here must never depend on anything the caller can forge.

use std::collections::BTreeSet;

use crate::election::ConstituencyNo;
use crate::roles::Role;

/// A signed-in person (or an API token acting for one), with the scope storage loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user_id: i64,
    pub role: Role,
    pub organisation_id: Option<i64>,
    /// Coordinators: the constituencies assigned to them.
    pub constituencies: BTreeSet<ConstituencyNo>,
    /// Observers: the station ids they are deployed to.
    pub stations: BTreeSet<i64>,
}

/// Things that are allowed or not as a whole, without looking at a particular record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Election, constituencies, stations, candidates, organisations: public facts.
    ViewReferenceData,
    /// Which constituencies the coalition monitors, and the counts behind it.
    ViewMonitoring,
    /// Aggregated figures without any person in them.
    ViewAggregates,
    ListPeople,
    CreatePeople,
    ImportReferenceData,
    ImportPeople,
    ExportPeople,
    ViewAuditLog,
    ManageApiTokens,
}

/// Which people a caller may list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeopleScope {
    Everyone,
    Organisation(i64),
    /// People deployed to, or coordinating, one of these constituencies.
    Constituencies(BTreeSet<ConstituencyNo>),
    Nobody,
}

/// What a decision about one person needs to know about them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonFacts {
    pub user_id: i64,
    pub role: Role,
    pub organisation_id: Option<i64>,
    /// Constituencies they are deployed to (observers) or coordinate.
    pub constituencies: BTreeSet<ConstituencyNo>,
}

/// The public: what an anonymous visitor may do.
pub fn public_may(action: Action) -> bool {
    matches!(action, Action::ViewReferenceData)
}

/// `None` is the public.
pub fn may(actor: Option<&Actor>, action: Action) -> bool {
    match actor {
        None => public_may(action),
        Some(actor) => actor.may(action),
    }
}

impl Actor {
    pub fn may(&self, action: Action) -> bool {
        use Role::*;
        match action {
            Action::ViewReferenceData | Action::ViewAggregates => true,
            Action::ViewMonitoring => self.role != Partner,
            Action::ListPeople | Action::CreatePeople | Action::ImportPeople => {
                matches!(self.role, CoalitionAdmin | OrgAdmin)
                    || (action == Action::ListPeople && self.role == Coordinator)
            }
            Action::ExportPeople => matches!(self.role, CoalitionAdmin | OrgAdmin),
            Action::ImportReferenceData | Action::ViewAuditLog | Action::ManageApiTokens => self.role == CoalitionAdmin,
        }
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::CoalitionAdmin
    }

    /// The people this caller may list and look at.
    pub fn people_scope(&self) -> PeopleScope {
        match self.role {
            Role::CoalitionAdmin => PeopleScope::Everyone,
            Role::OrgAdmin => match self.organisation_id {
                Some(id) => PeopleScope::Organisation(id),
                None => PeopleScope::Nobody,
            },
            Role::Coordinator => PeopleScope::Constituencies(self.constituencies.clone()),
            _ => PeopleScope::Nobody,
        }
    }

    pub fn may_view_person(&self, person: &PersonFacts) -> bool {
        if person.user_id == self.user_id {
            return true;
        }
        match self.people_scope() {
            PeopleScope::Everyone => true,
            PeopleScope::Organisation(id) => person.organisation_id == Some(id),
            // A coordinator sees the observers working in their constituencies, not other
            // coordinators or admins who merely share a constituency.
            PeopleScope::Constituencies(mine) => {
                person.role == Role::Observer && !person.constituencies.is_disjoint(&mine)
            }
            PeopleScope::Nobody => false,
        }
    }

    /// Roles this caller may give to people they create or edit. Not coordinator for an
    /// organisation admin: a coordinator sees every organisation's observers (names, phones)
    /// in their constituencies, so only the coalition may make one.
    pub fn assignable_roles(&self) -> &'static [Role] {
        match self.role {
            Role::CoalitionAdmin => &Role::ALL,
            Role::OrgAdmin => &[Role::Observer, Role::MediaMonitor],
            _ => &[],
        }
    }

    /// Editing someone: an admin anyone; an organisation admin their own organisation's
    /// people, except other organisation admins (who answer to the coalition).
    pub fn may_edit_person(&self, person: &PersonFacts) -> bool {
        match self.role {
            Role::CoalitionAdmin => true,
            Role::OrgAdmin => {
                self.organisation_id.is_some()
                    && person.organisation_id == self.organisation_id
                    && self.assignable_roles().contains(&person.role)
            }
            _ => false,
        }
    }

    /// Whether a person edited by this caller may end up with this role and organisation.
    pub fn may_assign(&self, role: Role, organisation_id: Option<i64>) -> bool {
        if !self.assignable_roles().contains(&role) {
            return false;
        }
        match self.role {
            Role::CoalitionAdmin => true,
            _ => organisation_id.is_some() && organisation_id == self.organisation_id,
        }
    }

    /// Whether this caller may see the people working in a constituency.
    pub fn covers_constituency(&self, number: ConstituencyNo) -> bool {
        match self.role {
            Role::CoalitionAdmin => true,
            Role::Coordinator => self.constituencies.contains(&number),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role, organisation_id: Option<i64>, constituencies: &[u16]) -> Actor {
        Actor {
            user_id: 1,
            role,
            organisation_id,
            constituencies: constituencies.iter().map(|n| ConstituencyNo::new(*n).unwrap()).collect(),
            stations: BTreeSet::new(),
        }
    }

    fn person(role: Role, organisation_id: Option<i64>, constituencies: &[u16]) -> PersonFacts {
        PersonFacts {
            user_id: 99,
            role,
            organisation_id,
            constituencies: constituencies.iter().map(|n| ConstituencyNo::new(*n).unwrap()).collect(),
        }
    }

    #[test]
    fn the_public_sees_reference_data_only() {
        assert!(may(None, Action::ViewReferenceData));
        assert!(!may(None, Action::ViewMonitoring));
        assert!(!may(None, Action::ListPeople));
        assert!(!may(None, Action::ViewAggregates));
    }

    #[test]
    fn coordinators_see_only_observers_in_their_constituencies() {
        let coordinator = actor(Role::Coordinator, Some(1), &[17]);
        assert!(coordinator.may_view_person(&person(Role::Observer, Some(2), &[17])));
        assert!(!coordinator.may_view_person(&person(Role::Observer, Some(1), &[18])));
        assert!(!coordinator.may_view_person(&person(Role::Coordinator, Some(1), &[17])));
        assert!(!coordinator.may_edit_person(&person(Role::Observer, Some(1), &[17])));
    }

    #[test]
    fn organisation_admins_stay_inside_their_organisation() {
        let org_admin = actor(Role::OrgAdmin, Some(2), &[]);
        assert!(org_admin.may_edit_person(&person(Role::Observer, Some(2), &[])));
        assert!(!org_admin.may_edit_person(&person(Role::Observer, Some(3), &[])));
        assert!(!org_admin.may_edit_person(&person(Role::OrgAdmin, Some(2), &[])));
        assert!(org_admin.may_assign(Role::Observer, Some(2)));
        assert!(!org_admin.may_assign(Role::Observer, Some(3)));
        assert!(!org_admin.may_assign(Role::CoalitionAdmin, Some(2)));
        assert!(!org_admin.may_assign(Role::Coordinator, Some(2)), "a coordinator reaches other organisations");
        assert!(!org_admin.may_edit_person(&person(Role::Coordinator, Some(2), &[17])));
    }

    #[test]
    fn analysts_and_partners_never_see_people() {
        for role in [Role::Analyst, Role::Partner, Role::Observer, Role::MediaMonitor] {
            let reader = actor(role, None, &[]);
            assert!(!reader.may(Action::ListPeople), "{role} may not list people");
            assert!(!reader.may_view_person(&person(Role::Observer, None, &[])));
            assert!(reader.may(Action::ViewAggregates));
        }
    }
}
