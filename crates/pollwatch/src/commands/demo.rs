//! `pollwatch demo`: a national-scale demo election in a data folder, served at once.

use std::path::PathBuf;
use std::time::Instant;

use domain::audit::{ChangeAuthor, Channel};
use domain::demo::{self, DEMO_LOGINS, DEMO_PASSWORD};
use domain::incidents::IncidentStatus;
use storage::incidents::IncidentChange;
use storage::{Store, now_millis, people, sessions};

use crate::commands::CommandError;
use crate::config::ServeSettings;
use crate::startup::Application;

/// Written in the data folder once the demo is set up (loaded, its partner token issued, its
/// morning played): a start that finds people but not this was interrupted, and finishes.
const SET_UP: &str = "demo-set-up";
/// The seed the folder's demo was made with, written before anything is loaded: finishing an
/// interrupted setup replays the same morning, whatever seed the next start is given.
const SEED: &str = "demo-seed";

pub async fn run(data_dir: &PathBuf, seed: u64, settings: &ServeSettings) -> Result<(), CommandError> {
    std::fs::create_dir_all(data_dir)?;
    let database = data_dir.join("pollwatch.db");
    let started = Instant::now();
    let store = Store::open(&database.to_string_lossy()).await?;
    let fresh = people::count(store.reads()).await? == 0;
    let (seed_file, set_up_file) = (data_dir.join(SEED), data_dir.join(SET_UP));
    if fresh {
        // A marker left by an earlier demo in this folder says nothing about this one.
        let _ = std::fs::remove_file(&set_up_file);
        std::fs::write(&seed_file, seed.to_string())?;
    } else if !seed_file.exists() && !set_up_file.exists() {
        // Made before the markers existed, when a demo was always set up in one go.
        std::fs::write(&set_up_file, "")?;
    }
    let set_up = !fresh && set_up_file.exists();
    // Only a demo still to be set up needs its seed: the one it was made with.
    let seed = match std::fs::read_to_string(&seed_file) {
        _ if set_up => seed,
        Ok(written) => written.trim().parse().map_err(|_| {
            CommandError::Usage(format!(
                "{} is not a seed: delete {} to start afresh",
                seed_file.display(),
                data_dir.display()
            ))
        })?,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => seed,
        Err(error) => return Err(error.into()),
    };
    let mut partner_token = None;
    // Only a demo still to be set up needs its election (generating it takes a while).
    let election = (!set_up).then(|| demo::generate(seed));
    if let (true, Some(election)) = (fresh, &election) {
        println!("Generating the national demo election (seed {seed})…");
        let hash = web::auth::password::hash(DEMO_PASSWORD.to_string())
            .await
            .map_err(|e| CommandError::Usage(e.to_string()))?;
        let summary = storage::demo::load(&store, election.clone(), hash, now_millis()).await?;
        println!(
            "Loaded {} constituencies, {} polling stations and {} people in {:.1} s.",
            summary.constituencies,
            summary.stations,
            summary.people,
            started.elapsed().as_secs_f64()
        );
    } else if set_up {
        println!("Using the existing demo data in {}.", data_dir.display());
    } else {
        println!("The demo's last start was stopped before it was set up: finishing it (seed {seed}).");
    }
    let application = Application::build(store.clone(), settings).await?;
    if let Some(election) = election {
        // Stopped here last time, the partner may have no token: a new one is shown once.
        partner_token = Some(issue_partner_token(&store).await?);
        let started = Instant::now();
        // Reports sent again are stored once (their ids are the same), and incidents already
        // worked on are left as they are.
        let played = play_morning(application.state(), &store, &election, seed).await?;
        println!(
            "Played the election morning: {} reports and {} incident moves in {:.1} s.",
            played.reports,
            played.incident_moves,
            started.elapsed().as_secs_f64()
        );
        std::fs::write(data_dir.join(SET_UP), "")?;
    }
    println!();
    println!("pollwatch demo is ready: http://{}", application.address());
    println!("Demo logins (password \"{DEMO_PASSWORD}\" for all; demo only):");
    for (username, role) in DEMO_LOGINS {
        println!("  {username:<12} {role}");
    }
    if let Some(token) = partner_token {
        println!("API token of the demo partner (shown once): {token}");
        println!("  try: curl -H 'Authorization: Bearer {token}' http://{}/api/v1/election", application.address());
    }
    println!("Stop with Ctrl-C. Delete {} to start afresh.", data_dir.display());
    application.run_until_stopped().await?;
    Ok(())
}

/// A new API token for the demo partner, shown once; earlier ones (a setup stopped after
/// issuing one, never shown) are revoked.
async fn issue_partner_token(store: &Store) -> Result<String, CommandError> {
    let partner = people::by_username(store.reads(), "partner")
        .await?
        .ok_or_else(|| CommandError::Usage("demo partner missing".into()))?;
    let earlier: Vec<i64> = sessions::api_tokens(store.reads())
        .await?
        .into_iter()
        .filter(|token| token.user_id == partner.id && token.label == PARTNER_TOKEN && token.revoked_at.is_none())
        .map(|token| token.id)
        .collect();
    let token = format!("pw_{}", web::auth::secrets::random_token());
    let token_hash = web::auth::secrets::hash_token(&token);
    let now = now_millis();
    store
        .write(move |connection| {
            Box::pin(async move {
                for id in earlier {
                    sessions::revoke_api_token(connection, id, now).await?;
                }
                sessions::create_api_token(connection, &token_hash, PARTNER_TOKEN, partner.id, None, now).await?;
                Ok(())
            })
        })
        .await?;
    Ok(token)
}

/// The label of the demo partner's token.
const PARTNER_TOKEN: &str = "demo partner";

struct Played {
    reports: usize,
    incident_moves: usize,
}

/// Sends the demo observers' morning reports through the intake every channel uses (so the
/// chain, coverage, turnout, incidents and disagreements are what real reports make), then
/// has the showcase coordinator work on their incident queue.
async fn play_morning(
    state: &web::AppState,
    store: &Store,
    election: &demo::DemoElection,
    seed: u64,
) -> Result<Played, CommandError> {
    let reports = demo::morning::election_morning(seed, election);
    let mut actors = std::collections::BTreeMap::new();
    let mut sending = tokio::task::JoinSet::new();
    let now = now_millis();
    for chunk in reports.chunks(64) {
        for report in chunk {
            if !actors.contains_key(&report.username) {
                actors.insert(report.username.clone(), actor_of(store, &report.username).await?);
            }
            let actor = actors[&report.username].clone();
            let state = state.clone();
            let report = web::reporting::intake::Report {
                client_id: report.client_id.clone(),
                form_code: report.form_code.to_string(),
                form_version: None,
                station: Some(report.station.to_string()),
                answers: report.answers.clone(),
                device_time: Some(now + report.clock_off_minutes * 60_000),
                channel: Channel::Demo,
                partial: false,
            };
            sending.spawn(async move { web::reporting::intake::submit(&state, &actor, report).await });
        }
        while let Some(sent) = sending.join_next().await {
            sent.map_err(|e| CommandError::Usage(e.to_string()))?
                .map_err(|e| CommandError::Usage(format!("a demo report was refused: {e:?}")))?;
        }
    }
    let incident_moves = work_the_queue(store).await?;
    Ok(Played { reports: reports.len(), incident_moves })
}

/// What a demo account may do, as its requests would carry it.
async fn actor_of(store: &Store, username: &str) -> Result<domain::access::Actor, CommandError> {
    let missing = || CommandError::Usage(format!("demo account {username} missing"));
    let person = people::by_username(store.reads(), username).await?.ok_or_else(missing)?;
    people::actor(store.reads(), person.id).await?.ok_or_else(missing)
}

/// The showcase coordinator has triaged the first incidents of the morning, verified one and
/// referred one to the constituency's commission; the rest are new.
async fn work_the_queue(store: &Store) -> Result<usize, CommandError> {
    let coordinator = people::by_username(store.reads(), "coordinator")
        .await?
        .ok_or_else(|| CommandError::Usage("demo coordinator missing".into()))?;
    let area = storage::coverage::Area::Constituencies(vec![i64::from(demo::SHOWCASE_CONSTITUENCY)]);
    let filter = storage::incidents::IncidentFilter { per_page: 10, page: 1, ..Default::default() };
    let queue = storage::incidents::list(store.reads(), &area, &filter).await?;
    let mut queue: Vec<(i64, String)> = queue.items.into_iter().map(|i| (i.id, i.status)).collect();
    queue.sort_unstable();
    let steps: [&[(IncidentStatus, &str)]; 3] = [
        &[(IncidentStatus::Triaged, "Müşahidəçiyə zəng etdim, təfərrüatları dəqiqləşdirirəm.")],
        &[
            (IncidentStatus::Triaged, "Müşahidəçi ilə danışdım."),
            (IncidentStatus::Verified, "Eyni məntəqədən ikinci şahid təsdiq etdi."),
        ],
        &[
            (IncidentStatus::Triaged, "Fotoşəkil alındı."),
            (IncidentStatus::Verified, "Fotoşəkil hadisəni göstərir."),
            (IncidentStatus::Referred, "Dairə seçki komissiyasına yazılı şikayət verildi."),
        ],
    ];
    let author = ChangeAuthor::user(coordinator.id, Channel::Demo);
    let mut moves = 0;
    for ((id, current), steps) in queue.into_iter().zip(steps) {
        // A setup stopped part-way goes on from the step each incident has reached.
        let done = steps.iter().position(|(status, _)| status.as_str() == current).map_or(0, |at| at + 1);
        for (status, note) in &steps[done..] {
            let change = IncidentChange {
                to_status: Some(*status),
                assignee_id: Some(Some(coordinator.id)),
                referred_to: (*status == IncidentStatus::Referred)
                    .then(|| "17 saylı Yasamal üçüncü dairə seçki komissiyası".to_string()),
                note: note.to_string(),
            };
            let author = author.clone();
            store
                .write(move |c| {
                    Box::pin(async move { storage::incidents::change(c, id, &change, &author, now_millis()).await })
                })
                .await?;
            moves += 1;
        }
    }
    Ok(moves)
}
