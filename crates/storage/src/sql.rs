//! Small helpers for SQL that both backends read the same way.

use serde::Serialize;
use sqlx::any::AnyArguments;
use sqlx::query::Query;
use sqlx::{Any, AssertSqlSafe};

/// One page of a longer list.
#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
}

impl<T> Page<T> {
    pub fn page_count(&self) -> u32 {
        let per_page = i64::from(self.per_page.max(1));
        ((self.total + per_page - 1) / per_page).max(1) as u32
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            total: self.total,
            page: self.page,
            per_page: self.per_page,
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) enum Bind {
    Int(i64),
    Text(String),
}

/// A WHERE clause built from optional filters, numbering `$n` placeholders as it goes.
#[derive(Debug, Default)]
pub(crate) struct Conditions {
    clauses: Vec<String>,
    binds: Vec<Bind>,
}

impl Conditions {
    /// Adds a clause; each `?` in it becomes the next `$n` and takes the next value.
    pub fn add(&mut self, clause: &str, values: impl IntoIterator<Item = Bind>) {
        let mut text = String::with_capacity(clause.len() + 4);
        for c in clause.chars() {
            if c == '?' {
                self.binds.push(Bind::Int(0)); // placeholder slot, replaced below
                text.push_str(&format!("${}", self.binds.len()));
            } else {
                text.push(c);
            }
        }
        let first_new = self.binds.len() - clause.matches('?').count();
        for (slot, value) in self.binds[first_new..].iter_mut().zip(values) {
            *slot = value;
        }
        self.clauses.push(text);
    }

    pub fn where_sql(&self) -> String {
        if self.clauses.is_empty() { String::new() } else { format!(" WHERE {}", self.clauses.join(" AND ")) }
    }

    /// The placeholder number the next value would take.
    pub fn next_placeholder(&self) -> usize {
        self.binds.len() + 1
    }

    pub fn query(&self, sql: String) -> Query<'static, Any, AnyArguments> {
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for bind in &self.binds {
            query = match bind {
                Bind::Int(value) => query.bind(*value),
                Bind::Text(value) => query.bind(value.clone()),
            };
        }
        query
    }
}

/// `%text%` for LIKE, with LIKE's own wildcards escaped (queries say `ESCAPE '\'`).
pub(crate) fn like_pattern(text: &str) -> String {
    let escaped = text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

pub(crate) fn page_bounds(page: u32, per_page: u32) -> (u32, u32, i64) {
    let per_page = per_page.clamp(1, 500);
    let page = page.max(1);
    (page, per_page, i64::from((page - 1) * per_page))
}

/// Splits `items` into runs whose lengths are powers of two (at most 256): a batch of 45 is
/// 32 + 8 + 4 + 1. Multi-row statements then come in only nine shapes, which all stay in
/// the connection's prepared-statement cache instead of being prepared anew each time.
pub(crate) fn power_of_two_chunks<T>(items: &[T]) -> impl Iterator<Item = &[T]> {
    let mut rest = items;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let size = (1usize << (usize::BITS - 1 - rest.len().leading_zeros())).min(256);
        let (chunk, tail) = rest.split_at(size);
        rest = tail;
        Some(chunk)
    })
}

/// One page of a filtered list, and how many rows the filter matches in all.
/// `count_from` is the FROM part the count needs ("FROM users u"); `select` the full SELECT
/// and FROM of the rows; `order_by` their order.
pub(crate) async fn paged<T>(
    pool: &sqlx::AnyPool,
    conditions: &Conditions,
    count_from: &str,
    select: &str,
    order_by: &str,
    (page, per_page, offset): (u32, u32, i64),
    map: impl Fn(&sqlx::any::AnyRow) -> crate::Result<T>,
) -> crate::Result<Page<T>> {
    use sqlx::Row;
    let total: i64 = conditions
        .query(format!("SELECT COUNT(*) AS n {count_from}{}", conditions.where_sql()))
        .fetch_one(pool)
        .await?
        .try_get("n")?;
    let limit = conditions.next_placeholder();
    let sql = format!("{select}{} ORDER BY {order_by} LIMIT ${limit} OFFSET ${}", conditions.where_sql(), limit + 1);
    let rows = conditions.query(sql).bind(i64::from(per_page)).bind(offset).fetch_all(pool).await?;
    let items = rows.iter().map(map).collect::<crate::Result<_>>()?;
    Ok(Page { items, total, page, per_page })
}

#[cfg(test)]
mod tests {
    #[test]
    fn chunks_are_powers_of_two() {
        let items: Vec<u32> = (0..45).collect();
        let sizes: Vec<usize> = super::power_of_two_chunks(&items).map(<[u32]>::len).collect();
        assert_eq!(sizes, vec![32, 8, 4, 1]);
        let many: Vec<u32> = (0..600).collect();
        assert_eq!(super::power_of_two_chunks(&many).map(<[u32]>::len).collect::<Vec<_>>(), vec![256, 256, 64, 16, 8]);
    }
}
