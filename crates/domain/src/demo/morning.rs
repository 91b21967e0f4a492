//! The demo's election morning: what its observers have reported by about noon, so that a
//! newcomer finds the coverage dashboard, the missing list, the turnout timeline, the
//! incident queue and disagreements filled in rather than empty. Most stations opened in
//! order, some did not, some observers have not reported yet, a few saw incidents.
//! Deterministic for a seed, like the rest of the demo.

use serde_json::{Value as Json, json};

use super::{DEMO_LOGINS, DemoElection, SHOWCASE_CONSTITUENCY, SeededRandom};
use crate::election::{Station, StationRef};
use crate::forms::RawAnswers;
use crate::roles::Role;

/// One report a demo observer has sent, ready for the intake every channel uses.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoReport {
    pub username: String,
    /// The id the observer's phone chose, as the API requires.
    pub client_id: String,
    pub form_code: &'static str,
    pub station: StationRef,
    pub answers: RawAnswers,
    /// How far the phone's clock was off, in minutes: 0 for nearly every report; a few
    /// phones are hours off, which the dashboard flags.
    pub clock_off_minutes: i64,
}

/// The reports of every demo observer but the showcase login, whose station is left for the
/// newcomer to report (another observer there has already sent the opening checklist, so a
/// different answer shows up as a disagreement).
pub fn election_morning(seed: u64, demo: &DemoElection) -> Vec<DemoReport> {
    // Its own sequence ("morning" in ASCII), so the election itself stays as it was.
    let mut random = SeededRandom::new(seed ^ 0x006d_6f72_6e69_6e67);
    let showcase: Vec<&str> = DEMO_LOGINS.iter().map(|(username, _)| *username).collect();
    let mut reports = Vec::new();
    for person in demo.people.iter().filter(|p| p.role == Role::Observer) {
        let username = person.username.as_str();
        if showcase.contains(&username) {
            continue;
        }
        let mut morning = Morning { random: &mut random, username, reports: &mut reports };
        for (visit, reference) in person.stations.iter().enumerate() {
            let Some(station) = demo.stations.iter().find(|s| s.reference == *reference) else { continue };
            if visit == 0 {
                morning.at_first_station(station);
            } else {
                // A mobile observer's second station: a voting visit, sometimes.
                morning.maybe(55, |m| m.voting(station));
            }
        }
    }
    reports
}

struct Morning<'a> {
    random: &'a mut SeededRandom,
    username: &'a str,
    reports: &'a mut Vec<DemoReport>,
}

impl Morning<'_> {
    fn at_first_station(&mut self, station: &Station) {
        // Some observers have not reported at all yet: the missing list has names to call.
        if !self.chance(92) {
            return;
        }
        self.opening(station);
        self.maybe(82, |m| m.turnout(station, 1, 7, 13));
        self.maybe(70, |m| m.voting(station));
        self.maybe(55, |m| m.turnout(station, 2, 18, 28));
        // The showcase coordinator's queue gets more of them, to have something to work on.
        let showcase = station.reference.constituency.get() == SHOWCASE_CONSTITUENCY;
        self.maybe(if showcase { 30 } else { 5 }, |m| m.incident(station));
    }

    fn opening(&mut self, station: &Station) {
        let mut answers =
            vec![("OA", json!(format!("07:{:02}", self.random.between(0, 25)))), ("OB", json!(self.chance(98)))];
        let materials = self.chance(95);
        answers.push(("OC", json!(materials)));
        if !materials {
            let missing = [
                "Səyyar qutu üçün möhür yox idi.",
                "Seçici siyahısının bir hissəsi gəlməmişdi.",
                "Protokol blankları çatmırdı.",
            ];
            answers.push(("OD", json!(*self.random.pick(&missing))));
        }
        let received = u64::from(station.registered_voters) * self.random.between(100, 102) / 100;
        answers.push(("OE", json!(received)));
        answers.push(("OF", json!(self.chance(97))));
        answers.push(("OG", json!(self.chance(96))));
        answers.push(("OH", json!(self.chance(90))));
        let outsiders = !self.chance(92);
        answers.push(("OI", json!(outsiders)));
        if outsiders {
            let who = [
                "Yerli icra hakimiyyətinin nümayəndəsi komissiya sədrinin yanında oturmuşdu.",
                "Mülki geyimli iki nəfər özünü təqdim etmədi.",
                "Məktəbin direktoru məntəqədə göstərişlər verirdi.",
            ];
            answers.push(("OJ", json!(*self.random.pick(&who))));
        }
        let on_time = self.chance(94);
        answers.push(("OK", json!(on_time)));
        if !on_time {
            answers.push(("OL", json!(format!("08:{:02}", self.random.between(5, 40)))));
        }
        self.push("OP", station, answers);
    }

    /// `slot`: 1 for 10:00, 2 for 12:00; the counted share of voters in `low..=high` per cent.
    fn turnout(&mut self, station: &Station, slot: u8, low: u64, high: u64) {
        let counted = u64::from(station.registered_voters) * self.random.between(low, high) / 100;
        let announced = self.chance(45);
        let mut answers = vec![("TA", json!(slot)), ("TB", json!(counted)), ("TC", json!(announced))];
        if announced {
            // Commissions' figures run ahead of the observers' counts, sometimes far ahead.
            let inflation = if self.chance(15) { self.random.between(130, 170) } else { self.random.between(97, 108) };
            answers.push(("TD", json!((counted * inflation / 100).min(5_000))));
        }
        self.push("TC", station, answers);
    }

    fn voting(&mut self, station: &Station) {
        let mobile_box = self.chance(15);
        let mut answers = vec![
            ("VA", json!(format!("{:02}:{:02}", self.random.between(9, 11), self.random.between(0, 59)))),
            ("VB", json!(self.chance(95))),
            ("VC", json!(self.chance(96))),
            ("VD", json!(self.chance(90))),
            ("VE", json!(!self.chance(90))),
            ("VF", json!(!self.chance(94))),
            ("VG", json!(!self.chance(97))),
            ("VH", json!(mobile_box)),
        ];
        if mobile_box {
            answers.push(("VI", json!(self.chance(80))));
        }
        answers.push(("VJ", json!(!self.chance(95))));
        answers.push(("VK", json!(!self.chance(96))));
        self.push("VT", station, answers);
    }

    fn incident(&mut self, station: &Station) {
        // (category, severity, what the observer wrote)
        let seen: [(u8, u8, &str); 8] = [
            (1, 4, "Saat 11:20-də bir seçici qutuya bir neçə bülleten atdı; komissiya üzvləri buna mane olmadı."),
            (2, 4, "Eyni gənc oğlan iki dəfə, fərqli sənədlə səs verdi."),
            (3, 2, "Ailə üzvləri kabinəyə birlikdə girib bir-birinin əvəzinə işarə qoyurdu."),
            (5, 3, "Üç nəfər şəxsiyyət vəsiqəsi göstərmədən bülleten aldı."),
            (7, 3, "Yerli icra hakimiyyətinin nümayəndəsi seçicilərə kimə səs verməyi deyirdi."),
            (9, 4, "Komissiya sədri məni masadan uzaqlaşdırdı və məntəqəni tərk etməyimi tələb etdi."),
            (16, 3, "Qutunu göstərən kamera pərdə ilə örtülmüşdü."),
            (17, 4, "Məntəqənin girişində seçicilərə pul paylanırdı."),
        ];
        let (category, severity, text) = *self.random.pick(&seen);
        let raised = self.chance(70);
        let mut answers = vec![
            ("IA", json!(category)),
            ("IB", json!(format!("{:02}:{:02}", self.random.between(8, 11), self.random.between(0, 59)))),
            ("IC", json!(text)),
            ("ID", json!(severity)),
            ("IF", json!(raised)),
        ];
        if raised {
            answers.push(("IG", json!(self.chance(40))));
        }
        self.push("IN", station, answers);
    }

    fn push(&mut self, form_code: &'static str, station: &Station, answers: Vec<(&str, Json)>) {
        let number = self.reports.len();
        // Two phones in a hundred have their clocks hours off.
        let clock_off_minutes = if self.chance(2) { 180 } else { 0 };
        self.reports.push(DemoReport {
            username: self.username.to_string(),
            client_id: format!("demo-{number:06}-{}", self.random.next_u64() % 1_000_000),
            form_code,
            station: station.reference,
            answers: RawAnswers(answers.into_iter().map(|(code, value)| (code.to_string(), value)).collect()),
            clock_off_minutes,
        });
    }

    fn chance(&mut self, per_cent: u64) -> bool {
        self.random.between(1, 100) <= per_cent
    }

    fn maybe(&mut self, per_cent: u64, then: impl FnOnce(&mut Self)) {
        if self.chance(per_cent) {
            then(self);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use super::*;
    use crate::demo::generate;
    use crate::forms::standard::standard_forms;
    use crate::forms::validate;

    #[test]
    fn every_morning_report_is_one_the_forms_accept() {
        let demo = generate(2024);
        let forms: BTreeMap<String, _> = standard_forms().into_iter().map(|f| (f.code.clone(), f)).collect();
        let reports = election_morning(2024, &demo);
        for report in &reports {
            let form = &forms[report.form_code];
            if let Err(errors) = validate(form, report.answers.iter()) {
                panic!("{} {} {:?}: {errors:?}", report.form_code, report.station, report.answers);
            }
        }
        let ids: BTreeSet<_> = reports.iter().map(|r| &r.client_id).collect();
        assert_eq!(ids.len(), reports.len(), "client ids are unique");
    }

    #[test]
    fn the_morning_is_busy_but_incomplete_and_leaves_the_showcase_login_its_own_station() {
        let demo = generate(2024);
        let reports = election_morning(2024, &demo);
        assert_eq!(reports, election_morning(2024, &demo), "deterministic");
        let count = |code: &str| reports.iter().filter(|r| r.form_code == code).count();
        let observers = demo.people.iter().filter(|p| p.role == Role::Observer).count();
        // Most observers have sent their opening checklist; some have not: the missing list.
        assert!(count("OP") > observers * 8 / 10 && count("OP") < observers, "{} of {observers}", count("OP"));
        assert!(count("TC") > count("OP"), "turnout at 10:00 and at 12:00");
        assert!(count("VT") > 0 && count("IN") > 10, "{} visits, {} incidents", count("VT"), count("IN"));
        assert!(reports.iter().any(|r| r.clock_off_minutes > 0), "a phone with its clock off");
        assert!(reports.iter().all(|r| r.username != "observer"), "the newcomer reports 17/1 themselves");
        let showcase_station = StationRef::parse("17/1").unwrap();
        assert!(
            reports.iter().any(|r| r.station == showcase_station && r.form_code == "OP"),
            "another observer at 17/1 has sent the opening checklist"
        );
    }
}
