//! What the chain says incidents and disagreements became, checked against their rows.
//!
//! Their rows are changed in place (a status, an assignee, a resolution), and each change
//! appends an entry saying what it did. Replaying the entries in order gives each incident's
//! and each resolved disagreement's state and history as the chain has them; a row that
//! differs was changed behind pollwatch's back.
//!
//! An incident is made from an incident report, whose own entry covers it: each incident's
//! station, category, severity and time must be its report's, and each incident report must
//! have its incident (`made_from_their_reports`).
//!
//! A disagreement must be one its two reports make (`not_a_disagreement`), and each one the
//! reports make must be there (`every_disagreement_flagged`): flagging is not a change with an
//! entry of its own, but it follows from the reports, whose entries cover them.

use std::collections::HashMap;

use sqlx::{AnyPool, Row};

use domain::ledger::{ChainBreak, Entry};

use super::PAGE;
use crate::Result;

pub(super) const INCIDENT_CHANGE: &str = "incident.change";
pub(super) const CONFLICT_RESOLVE: &str = "conflict.resolve";

/// The assignee as the entries say it.
#[derive(Debug, Clone, PartialEq)]
enum Assignee {
    /// No entry changed it: as the incident was made, with none.
    Unchanged,
    Set(Option<i64>),
    /// An entry made before 0016 said `null`, which was written both for "left as it was" and
    /// for "cleared": the row's cannot be checked.
    Unknown,
}

/// One step of an incident's history, as its `incident_events` row must read.
#[derive(Debug, Clone, PartialEq)]
struct Step {
    at: i64,
    by: Option<i64>,
    from: Option<String>,
    to: Option<String>,
    note: String,
}

#[derive(Debug, Clone)]
struct Incident {
    last_seq: i64,
    status: Option<String>,
    assignee: Assignee,
    referred_to: Option<String>,
    steps: Vec<Step>,
}

#[derive(Debug, Clone, PartialEq)]
struct Resolution {
    seq: i64,
    at: i64,
    by: Option<i64>,
    value: String,
}

#[derive(Default)]
pub(super) struct Replayed {
    incidents: HashMap<i64, Incident>,
    conflicts: HashMap<i64, Resolution>,
}

/// A row that does not match the chain: named with the entry that covers it, or as having
/// none.
fn mismatch(seq: Option<i64>, subject: String) -> ChainBreak {
    match seq {
        Some(seq) => ChainBreak::AlteredRecord { seq, subject },
        None => ChainBreak::Unchained { subject },
    }
}

fn subject_id(entry: &Entry, prefix: &str) -> Option<i64> {
    entry.subject.strip_prefix(prefix)?.parse().ok()
}

impl Replayed {
    /// Takes an entry the walk has checked. `explicit_assignee`: made since 0016, when an
    /// incident's entry names the assignee only when it changes (`null`: cleared).
    pub(super) fn take(&mut self, entry: &Entry, explicit_assignee: bool) {
        let payload: serde_json::Value = serde_json::from_str(&entry.payload).unwrap_or_default();
        let text = |key: &str| payload[key].as_str().map(str::to_string);
        if entry.kind == INCIDENT_CHANGE
            && let Some(id) = subject_id(entry, "incident:")
        {
            let incident = self.incidents.entry(id).or_insert(Incident {
                last_seq: entry.seq,
                status: None,
                assignee: Assignee::Unchanged,
                referred_to: None,
                steps: Vec::new(),
            });
            incident.last_seq = entry.seq;
            let to = text("to");
            if to.is_some() {
                incident.status = to.clone();
            }
            match (payload.get("assignee"), explicit_assignee) {
                (Some(serde_json::Value::Null), false) => incident.assignee = Assignee::Unknown,
                (Some(assignee), _) => incident.assignee = Assignee::Set(assignee.as_i64()),
                (None, _) => {}
            }
            if let Some(commission) = text("referred_to") {
                incident.referred_to = Some(commission);
            }
            incident.steps.push(Step {
                at: entry.at,
                by: payload["by"].as_i64(),
                from: to.as_ref().and(text("from")),
                to,
                note: text("note").unwrap_or_default(),
            });
        } else if entry.kind == CONFLICT_RESOLVE
            && let Some(id) = subject_id(entry, "conflict:")
        {
            let resolution = Resolution {
                seq: entry.seq,
                at: entry.at,
                by: payload["by"].as_i64(),
                value: payload["value"].to_string(),
            };
            self.conflicts.insert(id, resolution);
        }
    }

    /// The first incident or disagreement whose row is not what the chain says. `upto`: the
    /// head the walk stopped at; a row changed since (its entry is beyond it) is left for the
    /// next check.
    pub(super) async fn first_difference(&self, pool: &AnyPool, upto: i64) -> Result<Option<ChainBreak>> {
        if let Some(broken) = made_from_their_reports(pool).await? {
            return Ok(Some(broken));
        }
        if let Some(broken) = self.incident_difference(pool, upto).await? {
            return Ok(Some(broken));
        }
        if let Some(broken) = self.conflict_difference(pool, upto).await? {
            return Ok(Some(broken));
        }
        every_disagreement_flagged(pool, upto).await
    }

    async fn incident_difference(&self, pool: &AnyPool, upto: i64) -> Result<Option<ChainBreak>> {
        let mut seen = std::collections::HashSet::new();
        let mut after = i64::MIN;
        loop {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT id, status, assignee_id, referred_to FROM incidents WHERE id > $1 ORDER BY id LIMIT {PAGE}"
            )))
            .bind(after)
            .fetch_all(pool)
            .await?;
            let Some(last) = rows.last().map(|row| row.try_get::<i64, _>("id")).transpose()? else { break };
            if let Some(broken) = self.incidents_differ(pool, upto, &rows, (after, last), &mut seen).await? {
                return Ok(Some(broken));
            }
            after = last;
        }
        // An incident the chain changed whose row is gone.
        let gone = self.incidents.iter().filter(|(id, _)| !seen.contains(id)).min_by_key(|(id, _)| **id);
        Ok(gone.map(|(id, incident)| ChainBreak::AlteredRecord {
            seq: incident.last_seq,
            subject: format!("incident:{id}"),
        }))
    }

    /// One page of incidents (ids after `after`, up to `last`) against the chain.
    async fn incidents_differ(
        &self,
        pool: &AnyPool,
        upto: i64,
        rows: &[sqlx::any::AnyRow],
        (after, last): (i64, i64),
        seen: &mut std::collections::HashSet<i64>,
    ) -> Result<Option<ChainBreak>> {
        let mut steps: HashMap<i64, Vec<Step>> = HashMap::new();
        let events = sqlx::query(
            "SELECT incident_id, at, actor_user_id, from_status, to_status, note FROM incident_events
             WHERE incident_id > $1 AND incident_id <= $2 ORDER BY incident_id, id",
        )
        .bind(after)
        .bind(last)
        .fetch_all(pool)
        .await?;
        for event in &events {
            steps.entry(event.try_get("incident_id")?).or_default().push(Step {
                at: event.try_get("at")?,
                by: event.try_get("actor_user_id")?,
                from: event.try_get("from_status")?,
                to: event.try_get("to_status")?,
                note: event.try_get("note")?,
            });
        }
        for row in rows {
            let id: i64 = row.try_get("id")?;
            seen.insert(id);
            let status: String = row.try_get("status")?;
            let assignee: Option<i64> = row.try_get("assignee_id")?;
            let referred_to: Option<String> = row.try_get("referred_to")?;
            let history = steps.remove(&id).unwrap_or_default();
            // The first step is the incident's making (status new), in its report's transaction.
            let (made, changes) = history.split_first().map_or((None, &[][..]), |(first, rest)| (Some(first), rest));
            let made_right = made.is_some_and(|m| m.from.is_none() && m.to.as_deref() == Some("new"));
            let replayed = self.incidents.get(&id);
            let matches = made_right
                && match replayed {
                    None => status == "new" && assignee.is_none() && referred_to.is_none() && changes.is_empty(),
                    Some(incident) => {
                        status == incident.status.as_deref().unwrap_or("new")
                            && match &incident.assignee {
                                Assignee::Unchanged => assignee.is_none(),
                                Assignee::Set(expected) => assignee == *expected,
                                Assignee::Unknown => true,
                            }
                            && referred_to == incident.referred_to
                            && changes == incident.steps.as_slice()
                    }
                };
            if !matches && !changed_since(pool, &format!("incident:{id}"), upto).await? {
                let subject = format!("incident:{id}");
                return Ok(Some(mismatch(replayed.map(|incident| incident.last_seq), subject)));
            }
        }
        Ok(None)
    }

    async fn conflict_difference(&self, pool: &AnyPool, upto: i64) -> Result<Option<ChainBreak>> {
        let mut seen = std::collections::HashSet::new();
        let mut after = i64::MIN;
        loop {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT c.id, c.status, c.resolved_value, c.resolved_by, c.resolved_at, c.station_id,
                    c.constituency_no, c.form_code, c.question_code, st.constituency_no AS station_constituency,
                    a.station_id AS a_station, a.form_code AS a_form, a.answers AS a_answers, a.chain_seq AS a_seq,
                    b.station_id AS b_station, b.form_code AS b_form, b.answers AS b_answers, b.chain_seq AS b_seq
                 FROM conflicts c
                 LEFT JOIN stations st ON st.id = c.station_id
                 LEFT JOIN submissions a ON a.id = c.submission_a
                 LEFT JOIN submissions b ON b.id = c.submission_b
                 WHERE c.id > $1 ORDER BY c.id LIMIT {PAGE}"
            )))
            .bind(after)
            .fetch_all(pool)
            .await?;
            let Some(last) = rows.last().map(|row| row.try_get::<i64, _>("id")).transpose()? else { break };
            if let Some(broken) = self.conflicts_differ(pool, upto, &rows, &mut seen).await? {
                return Ok(Some(broken));
            }
            after = last;
        }
        let gone = self.conflicts.iter().filter(|(id, _)| !seen.contains(id)).min_by_key(|(id, _)| **id);
        Ok(gone.map(|(id, entry)| ChainBreak::AlteredRecord { seq: entry.seq, subject: format!("conflict:{id}") }))
    }

    /// One page of disagreements against the chain.
    async fn conflicts_differ(
        &self,
        pool: &AnyPool,
        upto: i64,
        rows: &[sqlx::any::AnyRow],
        seen: &mut std::collections::HashSet<i64>,
    ) -> Result<Option<ChainBreak>> {
        for row in rows {
            let id: i64 = row.try_get("id")?;
            seen.insert(id);
            if let Some(broken) = not_a_disagreement(row)? {
                return Ok(Some(broken));
            }
            let status: String = row.try_get("status")?;
            let value: Option<String> = row.try_get("resolved_value")?;
            let stored = match value {
                Some(value) => Some(Resolution {
                    seq: 0,
                    at: row.try_get::<Option<i64>, _>("resolved_at")?.unwrap_or_default(),
                    by: row.try_get("resolved_by")?,
                    // As the entry writes it (one text for one value, whatever the spacing).
                    value: serde_json::from_str::<serde_json::Value>(&value).map(|v| v.to_string()).unwrap_or(value),
                }),
                None => None,
            };
            let replayed = self.conflicts.get(&id);
            let matches = match (replayed, &stored) {
                (None, None) => status == "open",
                (Some(entry), Some(row)) => {
                    status == "resolved" && (entry.at, entry.by, &entry.value) == (row.at, row.by, &row.value)
                }
                _ => false,
            };
            if !matches && !changed_since(pool, &format!("conflict:{id}"), upto).await? {
                let subject = format!("conflict:{id}");
                return Ok(Some(mismatch(replayed.map(|entry| entry.seq), subject)));
            }
        }
        Ok(None)
    }
}

/// A disagreement (a row of `conflict_difference`) that its two reports do not make: both
/// of its station and form, both answering its question, differently. Named with the later
/// report's entry, which covers the answers.
fn not_a_disagreement(row: &sqlx::any::AnyRow) -> Result<Option<ChainBreak>> {
    let question: String = row.try_get("question_code")?;
    let answer = |column: &str| -> Result<Option<serde_json::Value>> {
        let answers: Option<String> = row.try_get(column)?;
        let answers: serde_json::Value = answers.and_then(|a| serde_json::from_str(&a).ok()).unwrap_or_default();
        Ok(answers.get(&question).cloned())
    };
    let station: i64 = row.try_get("station_id")?;
    let form: String = row.try_get("form_code")?;
    let (a, b) = (answer("a_answers")?, answer("b_answers")?);
    let made_so = row.try_get::<Option<i64>, _>("a_station")? == Some(station)
        && row.try_get::<Option<i64>, _>("b_station")? == Some(station)
        && row.try_get::<Option<String>, _>("a_form")?.as_deref() == Some(form.as_str())
        && row.try_get::<Option<String>, _>("b_form")?.as_deref() == Some(form.as_str())
        && row.try_get::<Option<i64>, _>("station_constituency")? == Some(row.try_get::<i64, _>("constituency_no")?)
        && a.is_some()
        && b.is_some()
        && a != b;
    if made_so {
        return Ok(None);
    }
    let subject = format!("conflict:{}", row.try_get::<i64, _>("id")?);
    let seq = row.try_get::<Option<i64>, _>("a_seq")?.max(row.try_get::<Option<i64>, _>("b_seq")?);
    Ok(Some(mismatch(seq, subject)))
}

/// The first incident that is not what its report made (another station, category, severity
/// or time; a report that is not an incident's), or an incident report without its incident.
/// Named with the report's entry, which covers both.
async fn made_from_their_reports(pool: &AnyPool) -> Result<Option<ChainBreak>> {
    let mut after = i64::MIN;
    loop {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT i.id, i.station_id, i.constituency_no, i.category, i.severity, i.created_at,
                s.id AS report, s.station_id AS report_station, st.constituency_no AS report_constituency,
                s.server_time, s.answers, s.chain_seq, f.kind
             FROM incidents i
             LEFT JOIN submissions s ON s.id = i.submission_id
             LEFT JOIN stations st ON st.id = s.station_id
             LEFT JOIN forms f ON f.code = s.form_code AND f.version = s.form_version
             WHERE i.id > $1 ORDER BY i.id LIMIT {PAGE}"
        )))
        .bind(after)
        .fetch_all(pool)
        .await?;
        let Some(last) = rows.last().map(|row| row.try_get::<i64, _>("id")).transpose()? else { break };
        if let Some(broken) = not_made_so(&rows)? {
            return Ok(Some(broken));
        }
        after = last;
    }
    incident_report_without_incident(pool).await
}

/// The first of these incidents (rows of `made_from_their_reports`) its report did not make so.
fn not_made_so(rows: &[sqlx::any::AnyRow]) -> Result<Option<ChainBreak>> {
    for row in rows {
        let answers: Option<String> = row.try_get("answers")?;
        let answers: serde_json::Value = answers.and_then(|a| serde_json::from_str(&a).ok()).unwrap_or_default();
        let choice = |code: &str| answers[code].as_i64().unwrap_or(0);
        let kind: Option<String> = row.try_get("kind")?;
        let made_so = kind.as_deref() == Some("incident")
            && row.try_get::<i64, _>("station_id")? == row.try_get::<Option<i64>, _>("report_station")?.unwrap_or(-1)
            && row.try_get::<i64, _>("constituency_no")?
                == row.try_get::<Option<i64>, _>("report_constituency")?.unwrap_or(-1)
            && row.try_get::<i64, _>("category")? == choice("IA")
            && row.try_get::<i64, _>("severity")? == choice("ID")
            && row.try_get::<i64, _>("created_at")? == row.try_get::<Option<i64>, _>("server_time")?.unwrap_or(-1);
        if !made_so {
            let id: i64 = row.try_get("id")?;
            let seq: Option<i64> = row.try_get("chain_seq")?;
            let subject = format!("incident:{id}");
            return Ok(Some(mismatch(seq, subject)));
        }
    }
    Ok(None)
}

/// An incident report whose incident is gone.
async fn incident_report_without_incident(pool: &AnyPool) -> Result<Option<ChainBreak>> {
    let orphan = sqlx::query(
        "SELECT s.id, s.chain_seq FROM submissions s
         JOIN forms f ON f.code = s.form_code AND f.version = s.form_version
         WHERE f.kind = 'incident' AND NOT EXISTS (SELECT 1 FROM incidents i WHERE i.submission_id = s.id)
         ORDER BY s.id LIMIT 1",
    )
    .fetch_optional(pool)
    .await?;
    let Some(orphan) = orphan else { return Ok(None) };
    let (report, seq): (i64, Option<i64>) = (orphan.try_get("id")?, orphan.try_get("chain_seq")?);
    let subject = format!("the incident of submission:{report}");
    Ok(Some(mismatch(seq, subject)))
}

/// Whether an entry beyond the walk's head changed `subject`: its row may be ahead of the
/// entries the walk read (the server kept working), and is checked next time.
async fn changed_since(pool: &AnyPool, subject: &str, upto: i64) -> Result<bool> {
    let later: Option<i64> = sqlx::query_scalar("SELECT seq FROM ledger WHERE subject = $1 AND seq > $2 LIMIT 1")
        .bind(subject.to_string())
        .bind(upto)
        .fetch_optional(pool)
        .await?;
    Ok(later.is_some())
}

/// A compared report as the replay of disagreements keeps it.
struct Compared {
    id: i64,
    observer: Option<i64>,
    answers: serde_json::Map<String, serde_json::Value>,
}

/// How many of other observers' earlier reports a new report was compared with
/// (`submissions::OTHER_OBSERVERS_REPORTS`).
const COMPARED_WITH: usize = 50;
/// Reports kept of one station and form: enough to find those 50 (a few observers send a
/// form a few times each), and a bound on what a flood of one observer's reports can hold.
const KEPT: usize = 500;

/// The first disagreement the reports make that has no row (deleted, open or not). Replays
/// what storing each compared report did: against other observers' earlier reports of its
/// station and form (the latest 50, each observer's latest), every question it answered with
/// a fact (not words, a time or a photo: JSON strings) that one of them answered otherwise.
/// Reports beyond the walk's head are left for the next check. Named with the later report's
/// entry.
async fn every_disagreement_flagged(pool: &AnyPool, upto: i64) -> Result<Option<ChainBreak>> {
    let flagged: std::collections::HashSet<(i64, i64, String)> =
        sqlx::query("SELECT submission_a, submission_b, question_code FROM conflicts")
            .fetch_all(pool)
            .await?
            .iter()
            .map(|row| Ok((row.try_get("submission_a")?, row.try_get("submission_b")?, row.try_get("question_code")?)))
            .collect::<Result<_>>()?;
    let mut earlier: HashMap<(i64, String), std::collections::VecDeque<Compared>> = HashMap::new();
    let mut after = i64::MIN;
    loop {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT id, station_id, form_code, observer_id, answers, chain_seq FROM submissions
             WHERE compared = 1 AND id > $1 ORDER BY id LIMIT {PAGE}"
        )))
        .bind(after)
        .fetch_all(pool)
        .await?;
        let Some(last) = rows.last().map(|row| row.try_get::<i64, _>("id")).transpose()? else { break };
        for row in &rows {
            let report = Compared {
                id: row.try_get("id")?,
                observer: row.try_get("observer_id")?,
                answers: serde_json::from_str(&row.try_get::<String, _>("answers")?).unwrap_or_default(),
            };
            let seq: Option<i64> = row.try_get("chain_seq")?;
            let group = earlier.entry((row.try_get("station_id")?, row.try_get("form_code")?)).or_default();
            if seq.is_none_or(|seq| seq <= upto)
                && let Some((other, question)) = unflagged(&report, group, &flagged)
            {
                let subject =
                    format!("the disagreement on {question} of submission:{other} and submission:{}", report.id);
                return Ok(Some(mismatch(seq, subject)));
            }
            if group.len() == KEPT {
                group.pop_front();
            }
            group.push_back(report);
        }
        after = last;
    }
    Ok(None)
}

/// A disagreement `report` makes with the reports before it that is not among `flagged`.
fn unflagged(
    report: &Compared,
    earlier: &std::collections::VecDeque<Compared>,
    flagged: &std::collections::HashSet<(i64, i64, String)>,
) -> Option<(i64, String)> {
    let mut seen = Vec::new();
    for other in earlier.iter().rev().filter(|other| other.observer != report.observer).take(COMPARED_WITH) {
        if seen.contains(&other.observer) {
            continue;
        }
        seen.push(other.observer);
        for (question, answer) in report.answers.iter().filter(|(_, answer)| !answer.is_string()) {
            if other.answers.get(question).is_some_and(|theirs| theirs != answer)
                && !flagged.contains(&(other.id, report.id, question.clone()))
            {
                return Some((other.id, question.clone()));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(seq: i64, payload: &str) -> Entry {
        Entry::new(None, 1_000 + seq, INCIDENT_CHANGE, "incident:7", payload)
    }

    #[test]
    fn an_assignee_is_replayed_as_set_cleared_unchanged_or_not_known() {
        let assignee = |entries: &[(&str, bool)]| {
            let mut replayed = Replayed::default();
            for (seq, (payload, explicit)) in entries.iter().enumerate() {
                replayed.take(&change(seq as i64 + 1, payload), *explicit);
            }
            replayed.incidents[&7].assignee.clone()
        };
        let set = r#"{"from":"new","to":"triaged","assignee":3,"note":"","by":1}"#;
        let silent = r#"{"from":"triaged","to":"verified","note":"","by":1}"#;
        let cleared = r#"{"from":"verified","to":null,"assignee":null,"note":"","by":1}"#;
        assert_eq!(assignee(&[(set, true), (silent, true)]), Assignee::Set(Some(3)));
        assert_eq!(assignee(&[(set, true), (cleared, true)]), Assignee::Set(None));
        assert_eq!(assignee(&[(silent, true)]), Assignee::Unchanged);
        // Before 0016, `null` was written for "left as it was" too.
        assert_eq!(assignee(&[(set, false), (cleared, false)]), Assignee::Unknown);
        let mut replayed = Replayed::default();
        replayed.take(&change(1, set), true);
        replayed.take(&change(2, cleared), true);
        let steps = &replayed.incidents[&7].steps;
        assert_eq!((steps[0].from.as_deref(), steps[0].to.as_deref()), (Some("new"), Some("triaged")));
        assert_eq!((steps[1].from.as_deref(), steps[1].to.as_deref()), (None, None), "no status change: no from or to");
    }
}
