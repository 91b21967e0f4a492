//! The coverage dashboard: expected vs received forms per constituency, the turnout
//! timeline beside the announced figures, and the missing list. The page listens to the
//! live feed (server-sent events) and refreshes its figures without a reload.

use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;

use domain::access::Actor;
use domain::forms::{FormKind, Phase};
use domain::language::Language;
use domain::timezone::format_baku;
use storage::coverage::{self, ConstituencyCoverage, TurnoutPoint};

use crate::api::coordination::{aggregate_area, people_area};
use crate::auth::Caller;
use crate::checked::Checked;
use crate::error::{AppError, AppResult};
use crate::i18n::{number, t, t_args};
use crate::pages::layout::page;
use crate::reporting::catalog::{turnout_slot, turnout_slots};
use crate::state::AppState;

/// The turnout count's reporting times (the CEC's), slots 1–5.
const SLOTS: [&str; 5] = ["10:00", "12:00", "15:00", "17:00", "19:00"];

fn slot_label(slot: i64) -> &'static str {
    usize::try_from(slot - 1).ok().and_then(|at| SLOTS.get(at)).copied().unwrap_or("?")
}

#[derive(Deserialize, Default)]
pub struct CoverageQuery {
    /// `1`: only the figures, for the page's live refresh.
    fragment: Option<String>,
}

fn checklist_codes(state: &AppState) -> Vec<(String, String)> {
    state
        .forms
        .all_current()
        .iter()
        .filter(|f| f.kind != FormKind::Incident)
        .map(|f| (f.code.clone(), f.title.az.clone()))
        .collect()
}

pub async fn dashboard(
    State(state): State<AppState>,
    caller: Caller,
    Checked(Query(query)): Checked<Query<CoverageQuery>>,
) -> AppResult<Response> {
    let actor = caller.actor()?.clone();
    let area = aggregate_area(&actor)?;
    let lang = caller.language;
    let pool = state.store.reads();
    let rows = coverage::by_constituency(&state.store, &area).await?;
    let turnout = coverage::turnout(pool, &area).await?;
    let due = slot_due(storage::now_millis());
    let cards: Vec<Card> = checklist_codes(&state)
        .into_iter()
        .map(|(code, _)| {
            let form = state.forms.current(&code);
            let title = form.as_ref().map(|f| f.title.get(lang).to_string()).unwrap_or_default();
            let turnout = form.is_some_and(|f| f.phase == Some(Phase::Turnout));
            Card { code, title, slot: turnout.then_some(due) }
        })
        .collect();
    let figures = figures(lang, &actor, &cards, &rows, &turnout);
    if query.fragment.as_deref() == Some("1") {
        return Ok(Html(figures.into_string()).into_response());
    }
    Ok(page(
        &caller,
        &t(lang, "coverage-title"),
        html! {
            h1 { (t(lang, "coverage-title")) }
            p.muted { (t(lang, "coverage-live")) " · " span #coverage-updated { (format_baku(storage::now_millis())) } }
            div #coverage data-source="/coverage?fragment=1" { (figures) }
            script src="/static/coverage.js" defer {}
        },
    ))
}

/// A form's card on the dashboard: its stations reporting out of those expected.
struct Card {
    code: String,
    title: String,
    /// The turnout count's: the reporting time it counts (the one due last), 1–5. A count at
    /// 10:00 is not one at 15:00, so "any time" would read full from 10:00 on.
    slot: Option<i64>,
}

impl Card {
    /// The list of stations this card counts as missing (at its reporting time, if it has one).
    fn missing_href(&self) -> String {
        match self.slot {
            Some(slot) => format!("/coverage/missing?form={}&slot={slot}", self.code),
            None => format!("/coverage/missing?form={}", self.code),
        }
    }
}

/// The turnout count's reporting time due last at `now` (Baku time), 1–5; the first before it.
fn slot_due(now: i64) -> i64 {
    let moment = domain::timezone::from_millis(now).to_offset(domain::timezone::BAKU);
    let minutes = u32::from(moment.hour()) * 60 + u32::from(moment.minute());
    let starts = SLOTS.iter().map(|time| time[..2].parse::<u32>().unwrap_or(0) * 60);
    starts.filter(|start| *start <= minutes).count().max(1) as i64
}

fn figures(
    lang: Language,
    actor: &Actor,
    cards: &[Card],
    rows: &[ConstituencyCoverage],
    turnout: &[TurnoutPoint],
) -> Markup {
    let received = |card: &Card| -> i64 {
        match card.slot {
            Some(slot) => turnout.iter().find(|point| point.slot == slot).map_or(0, |point| point.stations),
            None => rows.iter().map(|r| r.received.get(&card.code).copied().unwrap_or(0)).sum(),
        }
    };
    let expected: i64 = rows.iter().map(|r| r.expected).sum();
    let may_call = people_area(actor).is_ok();
    html! {
        div.cards {
            @for card in cards {
                div.card data-form=(card.code) {
                    div.figure { (number(lang, received(card))) " / " (number(lang, expected)) }
                    div.label {
                        (card.title) " (" (card.code) ")"
                        @if let Some(slot) = card.slot { " · " (slot_label(slot)) }
                    }
                    @if may_call { a href=(card.missing_href()) { (t(lang, "coverage-missing")) } }
                }
            }
        }
        h2 { (t(lang, "coverage-turnout")) }
        div.table-wrap { table #turnout {
            thead { tr { th { (t(lang, "coverage-time")) } th.num { (t(lang, "coverage-stations")) } th.num { (t(lang, "coverage-observed")) } th.num { (t(lang, "coverage-announced")) } } }
            tbody { @for point in turnout { tr {
                td { (slot_label(point.slot)) }
                td.num { (point.stations) }
                td.num { (percent(point.counted, point.registered)) }
                td.num { @if point.announced_stations > 0 { (percent(point.announced, point.announced_registered)) " (" (point.announced_stations) ")" } @else { "—" } }
            } } }
        } }
        h2 { (t(lang, "nav-constituencies")) }
        div.table-wrap { table #coverage-table {
            thead { tr { th { "№" } th { (t(lang, "name")) } th.num { (t(lang, "coverage-expected")) } @for card in cards { th.num { (card.code) } } } }
            tbody { @for row in rows { tr {
                td { (row.constituency_no) }
                td { a href={ "/coverage/" (row.constituency_no) } { (row.name_az) } }
                td.num { (row.expected) }
                @for card in cards {
                    @let received = row.received.get(&card.code).copied().unwrap_or(0);
                    td.num data-form=(card.code) data-constituency=(row.constituency_no) { (received) }
                }
            } } }
        } }
    }
}

fn percent(part: i64, whole: i64) -> String {
    if whole <= 0 { "—".into() } else { format!("{:.1}%", part as f64 * 100.0 / whole as f64) }
}

pub async fn constituency(
    State(state): State<AppState>,
    caller: Caller,
    Checked(Path(number_text)): Checked<Path<i64>>,
) -> AppResult<Response> {
    let actor = caller.actor()?.clone();
    let area = aggregate_area(&actor)?;
    if let storage::coverage::Area::Constituencies(numbers) = &area
        && !numbers.contains(&number_text)
    {
        return Err(AppError::NotFound);
    }
    let lang = caller.language;
    let stations = coverage::stations_of(&state.store, number_text).await?;
    let forms = checklist_codes(&state);
    let titles: Vec<(String, String)> = forms
        .iter()
        .map(|(code, _)| {
            (code.clone(), state.forms.current(code).map(|f| f.title.get(lang).to_string()).unwrap_or_default())
        })
        .collect();
    Ok(page(
        &caller,
        &t(lang, "coverage-title"),
        html! {
            p { a href="/coverage" { "← " (t(lang, "coverage-title")) } }
            h1 { (t(lang, "constituency")) " " (number_text) }
            // The columns are the forms' codes, as observers know them from their SMS cards.
            p.muted #form-codes { @for (i, (code, name)) in titles.iter().enumerate() { @if i > 0 { " · " } strong { (code) } " " (name) } }
            div.table-wrap { table {
                thead { tr { th { "№" } th.num { (t(lang, "coverage-observers")) } @for (code, name) in &titles { th title=(name) { (code) } } } }
                tbody { @for station in &stations { tr {
                    td { (station.station) }
                    td.num { (station.observers) }
                    @for (code, _) in &forms {
                        td { @if let Some(at) = station.last.get(code) { span.tag.yes { (format_baku(*at).split(' ').nth(1).unwrap_or("")) } } @else { span.tag { "—" } } }
                    }
                } } }
            } }
        },
    ))
}

#[derive(Deserialize)]
pub struct MissingQuery {
    /// Without it (a link cut short), the dashboard that lists the forms.
    #[serde(default)]
    form: String,
    /// The turnout count's reporting time, 1–5.
    slot: Option<i64>,
}

pub async fn missing(
    State(state): State<AppState>,
    caller: Caller,
    Checked(Query(query)): Checked<Query<MissingQuery>>,
) -> AppResult<Response> {
    let actor = caller.actor()?.clone();
    let area = people_area(&actor)?;
    let lang = caller.language;
    if query.form.trim().is_empty() {
        return Ok(axum::response::Redirect::to("/coverage").into_response());
    }
    let form = state.forms.current(&query.form.to_ascii_uppercase()).ok_or(AppError::NotFound)?;
    let slot = turnout_slot(&form, query.slot, lang)?;
    let rows = coverage::missing(&state.store, &area, &form.code, slot).await?;
    // The turnout count is due at each reporting time: which one is asked about.
    let slots = turnout_slots(&form);
    // A station with two observers is one station missing and two people to call.
    let stations = rows.iter().map(|row| &row.station).collect::<std::collections::BTreeSet<_>>().len();
    Ok(page(
        &caller,
        &t(lang, "coverage-missing"),
        html! {
            h1 { (t(lang, "coverage-missing")) ": " (form.title.get(lang)) }
            @if let Some(due) = &form.due { p.muted { (t(lang, "coverage-due")) " " (due.until) } }
            @if !slots.is_empty() {
                nav.filters #turnout-slots {
                    a href={ "/coverage/missing?form=" (form.code) } aria-current=[slot.is_none().then_some("page")] { (t(lang, "coverage-any-time")) }
                    @for (value, label) in &slots {
                        " · "
                        a href={ "/coverage/missing?form=" (form.code) "&slot=" (value) } aria-current=[(slot == Some(*value)).then_some("page")] { (label.get(lang)) }
                    }
                }
            }
            p #missing-count { (t_args(lang, "coverage-missing-count", &[("stations", stations.into()), ("observers", rows.len().into())])) }
            div.table-wrap { table #missing {
                thead { tr { th { "№" } th { (t(lang, "field-full-name")) } th { (t(lang, "field-phone")) } } }
                tbody { @for row in &rows { tr {
                    td { (row.station) }
                    td { a href={ "/people/" (row.observer_id) } { (row.observer_name) } }
                    td { @if let Some(phone) = &row.observer_phone { a href={ "tel:" (phone) } { (phone) } } }
                } } }
            } }
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 7 February 2024, the last presidential election, at `hh:mm` in Baku.
    fn election_day_at(hours: i64, minutes: i64) -> i64 {
        1_707_249_600_000 + (hours * 60 + minutes) * 60_000
    }

    #[test]
    fn the_turnout_card_counts_the_reporting_time_due_last() {
        for ((hours, minutes), slot) in [
            ((3, 0), 1),
            ((9, 59), 1),
            ((10, 0), 1),
            ((11, 59), 1),
            ((12, 0), 2),
            ((16, 0), 3),
            ((19, 30), 5),
            ((23, 59), 5),
        ] {
            assert_eq!(slot_due(election_day_at(hours, minutes)), slot, "{hours}:{minutes:02}");
        }
        assert_eq!(election_day_at(12, 0), 1_707_292_800_000, "noon in Baku is 08:00 UTC");
        assert_eq!((slot_label(2), slot_label(9)), ("12:00", "?"));
    }
}
