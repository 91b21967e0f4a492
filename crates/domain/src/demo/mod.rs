//! A realistic, deterministic national demo: the 2024 snap presidential election with 125
//! constituencies, ~6,500 stations, the seven candidates, the coalition's three member
//! organisations and ~1,300 fictional people. The same seed always gives the same data.
//! Person names are random combinations of common given names and surnames, never real people.

pub mod morning;

use std::collections::BTreeSet;

use crate::election::{
    Candidate, Constituency, ConstituencyNo, Election, InBaku, Organisation, Station, StationNo, StationRef,
};
use crate::language::Localized;
use crate::people::{ObserverCode, PersonName, Phone, Username};
use crate::roles::Role;

/// The real constituency names that public sources confirm (68 of 125); see the README beside it.
const CONSTITUENCY_CSV: &str = include_str!("../../../../data/az-2024-constituencies.csv");

/// Official totals for 7 Feb 2024 (CEC): polling stations and registered voters.
pub const STATION_TOTAL: usize = 6_537;
pub const VOTER_TOTAL: u64 = 6_478_623;
pub const MONITORED_TOTAL: usize = 60;
pub const OBSERVERS_PER_MONITORED_CONSTITUENCY: usize = 20;
/// Printed by the demo command; every demo account shares it.
pub const DEMO_PASSWORD: &str = "demo";

/// The coalition's member organisations, in the order they signed the coalition agreement.
pub const ORGANISATION_CODES: [&str; 3] = ["VCUM", "NHMT", "MISTM"];

/// SplitMix64: tiny, fast, and — unlike a library RNG — guaranteed never to change its
/// sequence in an upgrade, which keeps the demo reproducible across versions.
#[derive(Debug, Clone)]
pub struct SeededRandom(u64);

impl SeededRandom {
    pub fn new(seed: u64) -> Self {
        SeededRandom(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `low..=high`.
    pub fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.next_u64() % (high - low + 1)
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.next_u64() as usize % items.len()]
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoPerson {
    pub username: Username,
    pub full_name: PersonName,
    pub role: Role,
    pub organisation_code: Option<&'static str>,
    pub phone: Option<Phone>,
    pub observer_code: Option<ObserverCode>,
    pub stations: Vec<StationRef>,
    pub constituencies: Vec<ConstituencyNo>,
}

#[derive(Debug, Clone)]
pub struct DemoElection {
    pub election: Election,
    pub constituencies: Vec<Constituency>,
    pub stations: Vec<Station>,
    pub candidates: Vec<Candidate>,
    pub organisations: Vec<Organisation>,
    pub people: Vec<DemoPerson>,
}

/// One showcase account per role, printed by the demo command and listed in README.
pub const DEMO_LOGINS: [(&str, Role); 7] = [
    ("admin", Role::CoalitionAdmin),
    ("orgadmin", Role::OrgAdmin),
    ("coordinator", Role::Coordinator),
    ("observer", Role::Observer),
    ("media", Role::MediaMonitor),
    ("analyst", Role::Analyst),
    ("partner", Role::Partner),
];

/// The constituency the showcase coordinator and observer work in (Yasamal üçüncü, Baku).
pub const SHOWCASE_CONSTITUENCY: u16 = 17;

pub fn generate(seed: u64) -> DemoElection {
    let mut random = SeededRandom::new(seed);
    let constituencies = constituencies(&mut random);
    let stations = stations(&mut random, &constituencies);
    let people = people(&mut random, &constituencies, &stations);
    DemoElection {
        election: Election {
            name: Localized::new(
                "Azərbaycan Respublikası Prezidentinin növbədənkənar seçkisi",
                "Snap presidential election of the Republic of Azerbaijan",
                "Внеочередные выборы Президента Азербайджанской Республики",
            ),
            election_date: "2024-02-07".into(),
            registered_voters: VOTER_TOTAL,
        },
        constituencies,
        stations,
        candidates: candidates(),
        organisations: organisations(),
        people,
    }
}

fn candidates() -> Vec<Candidate> {
    let self_nominated = || Localized::new("Özünü irəli sürmüş", "Self-nominated", "Самовыдвиженец");
    let rows = [
        (
            "İlham Əliyev",
            "Ilham Aliyev",
            "Ильхам Алиев",
            Localized::new("Yeni Azərbaycan Partiyası", "New Azerbaijan Party", "Партия «Новый Азербайджан»"),
        ),
        ("Zahid Oruc", "Zahid Oruj", "Захид Орудж", self_nominated()),
        (
            "Fuad Əliyev",
            "Fuad Aliyev",
            "Фуад Алиев",
            Localized::new(
                "Azərbaycan Demokratik Maarifçilik Partiyası",
                "Azerbaijan Democratic Enlightenment Party",
                "Демократическая просветительская партия Азербайджана",
            ),
        ),
        (
            "Razi Nurullayev",
            "Razi Nurullayev",
            "Рази Нуруллаев",
            Localized::new("Milli Cəbhə Partiyası", "National Front Party", "Партия «Национальный фронт»"),
        ),
        (
            "Fazil Mustafa",
            "Fazil Mustafa",
            "Фазиль Мустафа",
            Localized::new("Böyük Quruluş Partiyası", "Great Order Party", "Партия «Великое созидание»"),
        ),
        (
            "Elşad Musayev",
            "Elshad Musayev",
            "Эльшад Мусаев",
            Localized::new("Böyük Azərbaycan Partiyası", "Great Azerbaijan Party", "Партия «Великий Азербайджан»"),
        ),
        (
            "Qüdrət Həsənquliyev",
            "Gudrat Hasanguliyev",
            "Гудрат Гасангулиев",
            Localized::new(
                "Bütöv Azərbaycan Xalq Cəbhəsi Partiyası",
                "Whole Azerbaijan Popular Front Party",
                "Партия Народного фронта единого Азербайджана",
            ),
        ),
    ];
    rows.into_iter()
        .zip(1u16..)
        .map(|((az, en, ru, party), ballot_order)| Candidate {
            ballot_order,
            name: Localized::new(az, en, ru),
            nominated_by: party,
        })
        .collect()
}

fn organisations() -> Vec<Organisation> {
    let names = [
        Localized::new(
            "Vətəndaş Cəmiyyəti Uğrunda Mərkəz",
            "Centre for Civil Society",
            "Центр «За гражданское общество»",
        ),
        Localized::new(
            "Neftçilərin Hüquqlarının Müdafiə Təşkilatı",
            "Oil Workers' Rights Protection Organisation",
            "Организация защиты прав нефтяников",
        ),
        Localized::new(
            "\"Multimedia\" İnformasiya Sistemləri və Texnologiyaları Mərkəzi",
            "\"Multimedia\" Information Systems and Technologies Centre",
            "Центр информационных систем и технологий «Мультимедиа»",
        ),
    ];
    ORGANISATION_CODES.into_iter().zip(names).map(|(code, name)| Organisation { code: code.into(), name }).collect()
}

/// Baku's constituencies are 7–36 in the 2024 scheme (see data/az-2024-constituencies.README.md).
fn is_baku(number: u16) -> bool {
    (7..=36).contains(&number)
}

fn constituencies(random: &mut SeededRandom) -> Vec<Constituency> {
    let known: Vec<Vec<&str>> = CONSTITUENCY_CSV.lines().skip(1).map(|line| line.split(',').collect()).collect();
    // Baku's 30 and Sumqayıt's five are monitored; the rest are drawn from the regions.
    let mut monitored: BTreeSet<u16> = (7..=36).chain(42..=46).collect();
    while monitored.len() < MONITORED_TOTAL {
        monitored.insert(random.between(1, 125) as u16);
    }
    ConstituencyNo::all()
        .map(|number| {
            let n = number.get();
            let row = known.iter().find(|row| row[0].parse() == Ok(n));
            let (name_az, name_en, area_az, in_baku) = match row {
                Some(row) => (
                    row[1].to_string(),
                    row[2].to_string(),
                    row[3].to_string(),
                    InBaku::parse(row[4]).unwrap_or(InBaku::No),
                ),
                // The source data has no confirmed name for this number: say so plainly.
                None => (
                    format!("{n} saylı seçki dairəsi"),
                    format!("Constituency No. {n}"),
                    String::new(),
                    if is_baku(n) { InBaku::Yes } else { InBaku::No },
                ),
            };
            Constituency { number, name_az, name_en, area_az, in_baku, monitored: monitored.contains(&n) }
        })
        .collect()
}

fn stations(random: &mut SeededRandom, constituencies: &[Constituency]) -> Vec<Station> {
    // Baku's dense constituencies have fewer, larger stations than rural ones.
    let mut counts: Vec<usize> = constituencies
        .iter()
        .map(|c| if c.in_baku == InBaku::Yes { random.between(38, 48) } else { random.between(46, 62) } as usize)
        .collect();
    let mut total: usize = counts.iter().sum();
    let mut index = 0;
    while total != STATION_TOTAL {
        let slot = index % counts.len();
        if total < STATION_TOTAL {
            counts[slot] += 1;
            total += 1;
        } else if counts[slot] > 30 {
            counts[slot] -= 1;
            total -= 1;
        }
        index += 7;
    }

    let mut stations = Vec::with_capacity(STATION_TOTAL);
    for (constituency, &count) in constituencies.iter().zip(&counts) {
        let urban = constituency.in_baku != InBaku::No;
        for station_no in 1..=count as u16 {
            let voters = if urban { random.between(900, 2_000) } else { random.between(250, 1_500) };
            stations.push(Station {
                reference: StationRef {
                    constituency: constituency.number,
                    station: StationNo::new(station_no).expect("at most ~70 stations each"),
                },
                address: format!("{} nömrəli tam orta məktəb", random.between(1, 320)),
                registered_voters: voters as u32,
            });
        }
    }
    scale_voters(&mut stations);
    stations
}

/// Scales station sizes so that they add up to the official national total exactly.
fn scale_voters(stations: &mut [Station]) {
    let raw: u64 = stations.iter().map(|s| u64::from(s.registered_voters)).sum();
    let mut assigned = 0u64;
    for station in stations.iter_mut() {
        let scaled = u64::from(station.registered_voters) * VOTER_TOTAL / raw;
        station.registered_voters = scaled.clamp(150, 2_200) as u32;
        assigned += u64::from(station.registered_voters);
    }
    // Spread the rounding remainder one voter at a time over the first stations.
    let mut remainder = VOTER_TOTAL.saturating_sub(assigned);
    for station in stations.iter_mut() {
        if remainder == 0 {
            break;
        }
        station.registered_voters += 1;
        remainder -= 1;
    }
}

const MALE_NAMES: &[&str] = &[
    "Rauf", "Elvin", "Tural", "Orxan", "Kamran", "Nicat", "Elçin", "Vüqar", "Ramil", "Anar", "Rəşad", "Fərid", "Cavid",
    "Emin", "Samir", "Zaur", "Elnur", "İlkin", "Rüstəm", "Tofiq", "Əli", "Hüseyn", "Murad", "Səbuhi", "Ülvi", "Şahin",
    "Ceyhun", "Yusif",
];
const FEMALE_NAMES: &[&str] = &[
    "Aysel",
    "Günay",
    "Leyla",
    "Nərmin",
    "Səbinə",
    "Aytən",
    "Gülnar",
    "Könül",
    "Lalə",
    "Nigar",
    "Sevinc",
    "Türkan",
    "Ülkər",
    "Zəhra",
    "Fidan",
    "Aynur",
    "Şəbnəm",
    "İlahə",
    "Xədicə",
    "Məleykə",
    "Gülşən",
    "Nurlana",
];
/// Surnames in their masculine form; the feminine adds "a" (Məmmədov → Məmmədova).
const SURNAMES: &[&str] = &[
    "Məmmədov",
    "Əliyev",
    "Həsənov",
    "Hüseynov",
    "Quliyev",
    "İsmayılov",
    "Abbasov",
    "Babayev",
    "Cəfərov",
    "Rzayev",
    "Süleymanov",
    "Nəsirov",
    "Kərimov",
    "Mustafayev",
    "Orucov",
    "Əhmədov",
    "Vəliyev",
    "Sadıqov",
    "Bağırov",
    "Qasımov",
    "İbrahimov",
    "Salmanov",
    "Zeynalov",
    "Tağıyev",
    "Şükürov",
    "Rəhimov",
    "Novruzov",
    "Əsgərov",
    "Hacıyev",
    "Yusifov",
];
const MOBILE_PREFIXES: &[&str] = &["50", "51", "55", "70", "77", "99", "10"];

struct PersonFactory<'r> {
    random: &'r mut SeededRandom,
    used_codes: BTreeSet<u32>,
    serial: usize,
}

impl PersonFactory<'_> {
    fn name(&mut self) -> PersonName {
        let female = self.random.next_u64().is_multiple_of(2);
        let given = if female { *self.random.pick(FEMALE_NAMES) } else { *self.random.pick(MALE_NAMES) };
        let surname = *self.random.pick(SURNAMES);
        let surname = if female { format!("{surname}a") } else { surname.to_string() };
        PersonName::parse(&format!("{given} {surname}")).expect("non-empty")
    }

    fn phone(&mut self) -> Phone {
        let prefix = *self.random.pick(MOBILE_PREFIXES);
        let number = self.random.between(2_000_000, 9_999_999);
        Phone::parse(&format!("+994{prefix}{number}")).expect("valid E.164")
    }

    fn observer_code(&mut self) -> ObserverCode {
        loop {
            let code = self.random.between(100_000, 999_999) as u32;
            if self.used_codes.insert(code) {
                return ObserverCode::from_number(code).expect("six digits");
            }
        }
    }

    fn person(&mut self, username: Option<&str>, role: Role, organisation: Option<&'static str>) -> DemoPerson {
        self.serial += 1;
        let generated = format!("{}{:04}", role_prefix(role), self.serial);
        let username = Username::parse(username.unwrap_or(&generated)).expect("valid username");
        let observer_code = (role == Role::Observer).then(|| self.observer_code());
        DemoPerson {
            username,
            full_name: self.name(),
            role,
            organisation_code: organisation,
            phone: Some(self.phone()),
            observer_code,
            stations: Vec::new(),
            constituencies: Vec::new(),
        }
    }
}

fn role_prefix(role: Role) -> &'static str {
    match role {
        Role::CoalitionAdmin => "admin",
        Role::OrgAdmin => "orgadmin",
        Role::Coordinator => "coord",
        Role::Observer => "obs",
        Role::MediaMonitor => "media",
        Role::Analyst => "analyst",
        Role::Partner => "partner",
    }
}

fn people(random: &mut SeededRandom, constituencies: &[Constituency], stations: &[Station]) -> Vec<DemoPerson> {
    let mut factory = PersonFactory { random, used_codes: BTreeSet::new(), serial: 0 };
    let mut people = Vec::new();
    let showcase = ConstituencyNo::new(SHOWCASE_CONSTITUENCY).expect("valid");
    let organisation = |i: usize| Some(ORGANISATION_CODES[i % ORGANISATION_CODES.len()]);

    // The showcase accounts, one per role.
    for (username, role) in DEMO_LOGINS {
        let org = role.belongs_to_organisation().then_some(ORGANISATION_CODES[0]);
        let mut person = factory.person(Some(username), role, org);
        match role {
            Role::Coordinator => person.constituencies = vec![showcase],
            Role::Observer => {
                person.stations =
                    vec![StationRef { constituency: showcase, station: StationNo::new(1).expect("valid") }]
            }
            _ => {}
        }
        people.push(person);
    }
    for (i, _) in ORGANISATION_CODES.iter().enumerate().skip(1) {
        people.push(factory.person(None, Role::OrgAdmin, organisation(i)));
    }

    let monitored: Vec<&Constituency> = constituencies.iter().filter(|c| c.monitored).collect();
    for (i, constituency) in monitored.iter().enumerate() {
        let number = constituency.number;
        if number != showcase {
            let mut coordinator = factory.person(None, Role::Coordinator, organisation(i));
            coordinator.constituencies = vec![number];
            people.push(coordinator);
        }
        let local: Vec<&Station> = stations.iter().filter(|s| s.reference.constituency == number).collect();
        for k in 0..OBSERVERS_PER_MONITORED_CONSTITUENCY {
            let mut observer = factory.person(None, Role::Observer, organisation(i + k));
            // Most observers stay at one station; every fifth is a mobile observer covering two.
            let first = local[(k * 2) % local.len()].reference;
            observer.stations = vec![first];
            if k % 5 == 4 {
                observer.stations.push(local[(k * 2 + 1) % local.len()].reference);
            }
            people.push(observer);
        }
    }
    for i in 0..6 {
        people.push(factory.person(None, Role::MediaMonitor, organisation(i)));
    }
    for _ in 0..3 {
        people.push(factory.person(None, Role::Analyst, None));
    }
    people.push(factory.person(None, Role::Partner, None));
    people
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_matches_the_official_national_totals() {
        let demo = generate(2024);
        assert_eq!(demo.constituencies.len(), 125);
        assert_eq!(demo.stations.len(), STATION_TOTAL);
        let voters: u64 = demo.stations.iter().map(|s| u64::from(s.registered_voters)).sum();
        assert_eq!(voters, VOTER_TOTAL);
        assert!(demo.stations.iter().all(|s| (150..=2_300).contains(&s.registered_voters)));
        assert_eq!(demo.constituencies.iter().filter(|c| c.monitored).count(), MONITORED_TOTAL);
        assert_eq!(demo.candidates.len(), 7);
        assert_eq!(demo.constituencies[16].name_az, "17 saylı Yasamal üçüncü seçki dairəsi");
    }

    #[test]
    fn the_demo_is_deterministic_and_people_are_unique() {
        let first = generate(7);
        let second = generate(7);
        assert_eq!(first.people, second.people);
        let observers = first.people.iter().filter(|p| p.role == Role::Observer).count();
        assert!((1_150..=1_300).contains(&observers), "{observers} observers");
        let usernames: BTreeSet<_> = first.people.iter().map(|p| &p.username).collect();
        assert_eq!(usernames.len(), first.people.len());
        let codes: Vec<_> = first.people.iter().filter_map(|p| p.observer_code).collect();
        assert_eq!(codes.iter().collect::<BTreeSet<_>>().len(), codes.len());
    }
}
