//! One statement in each backend's spelling, for the few places where only a fragment differs:
//! written once as a [`Dialects`] pair built by a macro that spells just that fragment twice, and
//! picked with `db.sql(&STATEMENT)` inside `on_db!` (or `tx.sql(…)` in a transaction).

/// A statement's text for SQLite and for PostgreSQL.
pub(crate) struct Dialects {
    pub(crate) sqlite: &'static str,
    pub(crate) postgres: &'static str,
}

/// `Dialects` of a statement whose `ORDER BY` sorts by a name, case-insensitively first, in the
/// bytes' order on both backends: SQLite's default collation does that, PostgreSQL's follows the
/// database's locale unless told `COLLATE "C"` (which SQLite does not know).
/// `by_name_in_byte_order!("SELECT … ORDER BY ", "name", ", id LIMIT $2")`.
macro_rules! by_name_in_byte_order {
    ($head:expr, $name:literal, $tail:expr $(,)?) => {
        $crate::db::Dialects {
            sqlite: ::const_format::concatcp!($head, "lower(", $name, "), ", $name, $tail),
            postgres: ::const_format::concatcp!(
                $head,
                "lower(",
                $name,
                r#") COLLATE "C", "#,
                $name,
                r#" COLLATE "C""#,
                $tail
            ),
        }
    };
}

pub(crate) use by_name_in_byte_order;
