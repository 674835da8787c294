//! A stored row's columns as read: the statement's column names, shared by every row the
//! statement returned, and the row's values by position.
//!
//! Rows are read for every object of every reply, and most of their columns are never
//! looked at (a mask names a few). Keeping them as a [`Struct`] gave each column of
//! each row its own copy of the column's name and a hash-table insertion: 9% of an
//! uncached `getObject`'s instructions (callgrind). Here a row is a vector of values;
//! the few lookups by name compare against a few dozen short names.

use super::{ColumnKinds, Value};
use crate::value::Struct;

/// The values of one row, by position in its statement's result; SQL `NULL` is
/// [`Value::Null`] here and absent from what the row shows ([`RowValues::get`],
/// [`RowValues::iter`]), as a member left out.
#[derive(Debug, Clone)]
pub struct RowValues {
    columns: ColumnKinds,
    values: Vec<Value>,
}

impl RowValues {
    /// `values` holds one value per column of `columns`, in order.
    pub(crate) fn new(columns: ColumnKinds, values: Vec<Value>) -> RowValues {
        debug_assert_eq!(columns.len(), values.len());
        RowValues { columns, values }
    }

    /// The column's value, unless it is `NULL` or not a column of the row. (A row's
    /// column names are distinct: every row query selects one table's columns.)
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.shown(name).map(|i| &self.values[i])
    }

    /// The position of the column `name`, unless it is `NULL` or not a column of the row.
    fn shown(&self, name: &str) -> Option<usize> {
        let i = self.columns.iter().position(|(c, _)| c == name)?;
        (!matches!(self.values[i], Value::Null)).then_some(i)
    }

    /// The columns that are not `NULL`, in the statement's order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.columns
            .iter()
            .zip(&self.values)
            .filter(|(_, v)| !matches!(v, Value::Null))
            .map(|((c, _), v)| (c.as_str(), v))
    }

    /// The positions of the columns named in `names` that are not `NULL`, each once, in
    /// the statement's order (that of [`RowValues::iter`]); [`RowValues::at`] reads them.
    /// A mask names a few of a row's dozens of columns: looking its names up in the row
    /// costs less than looking every column up in the mask.
    pub fn positions<'n>(&self, names: impl Iterator<Item = &'n str>) -> Vec<usize> {
        let mut found: Vec<usize> = names.filter_map(|n| self.shown(n)).collect();
        found.sort_unstable();
        found.dedup();
        found
    }

    /// The column at a position [`RowValues::positions`] gave.
    pub fn at(&self, i: usize) -> (&str, &Value) {
        (self.columns[i].0.as_str(), &self.values[i])
    }

    /// How many columns the row's statement returned (`NULL`s included): room enough
    /// for what the row shows.
    pub fn columns(&self) -> usize {
        self.columns.len()
    }

    /// The same columns with each value replaced by what `f` makes of it (`None` leaves
    /// the column out).
    pub fn map(&self, mut f: impl FnMut(&str, &Value) -> Option<Value>) -> RowValues {
        let values = self
            .columns
            .iter()
            .zip(&self.values)
            .map(|((c, _), v)| match v {
                Value::Null => Value::Null,
                v => f(c, v).unwrap_or(Value::Null),
            })
            .collect();
        RowValues::new(self.columns.clone(), values)
    }

    /// The row as a struct of its columns that are not `NULL`.
    pub fn to_struct(&self) -> Struct {
        let mut out = Struct::with_capacity(self.values.len());
        out.extend(self.iter().map(|(c, v)| (c.to_string(), v.clone())));
        out
    }

    pub fn into_struct(self) -> Struct {
        let mut out = Struct::with_capacity(self.values.len());
        for ((c, _), v) in self.columns.iter().zip(self.values) {
            if !matches!(v, Value::Null) {
                out.insert(c.clone(), v);
            }
        }
        out
    }
}

/// Equal when the same columns hold the same values, whatever the statements' order.
impl PartialEq for RowValues {
    fn eq(&self, other: &RowValues) -> bool {
        self.iter().count() == other.iter().count()
            && self.iter().all(|(c, v)| other.get(c) == Some(v))
    }
}

/// Something whose members are read by name: a stored row's values, or a struct a
/// handler built.
pub trait Members {
    fn member(&self, name: &str) -> Option<&Value>;
}

impl Members for RowValues {
    fn member(&self, name: &str) -> Option<&Value> {
        self.get(name)
    }
}

impl Members for Struct {
    fn member(&self, name: &str) -> Option<&Value> {
        self.get(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::ColumnKind;

    fn row(columns: &[&str], values: Vec<Value>) -> RowValues {
        let columns: ColumnKinds = columns
            .iter()
            .map(|c| (c.to_string(), ColumnKind::Plain))
            .collect::<Vec<_>>()
            .into();
        RowValues::new(columns, values)
    }

    #[test]
    fn null_columns_are_left_out() {
        let r = row(
            &["id", "title", "assignedUserId"],
            vec![Value::Int(7), Value::from("Disk"), Value::Null],
        );
        assert_eq!(r.get("id"), Some(&Value::Int(7)));
        assert_eq!(r.get("assignedUserId"), None);
        assert_eq!(r.get("nope"), None);
        let shown: Vec<_> = r.iter().map(|(c, _)| c).collect();
        assert_eq!(shown, ["id", "title"]);
        let s = r.clone().into_struct();
        assert_eq!(s.keys().collect::<Vec<_>>(), ["id", "title"]);
        assert_eq!(s, r.to_struct());
        assert_eq!(r.columns(), 3);
    }

    #[test]
    fn rows_are_equal_by_their_shown_columns() {
        let a = row(&["id", "title"], vec![Value::Int(1), Value::from("x")]);
        let b = row(
            &["title", "id", "x"],
            vec![Value::from("x"), Value::Int(1), Value::Null],
        );
        assert_eq!(a, b);
        assert_ne!(a, row(&["id"], vec![Value::Int(1)]));
        assert_ne!(
            a,
            row(&["id", "title"], vec![Value::Int(1), Value::from("y")])
        );
    }

    #[test]
    fn mapped_rows_keep_their_columns() {
        let r = row(
            &["id", "username", "email"],
            vec![Value::Int(3), Value::from("jo"), Value::from("jo@x")],
        );
        let m = r.map(|c, v| match c {
            "username" => Some(Value::from("Employee")),
            "email" => None,
            _ => Some(v.clone()),
        });
        assert_eq!(m.get("username"), Some(&Value::from("Employee")));
        assert_eq!(m.get("email"), None);
        assert_eq!(m.get("id"), Some(&Value::Int(3)));
    }

    /// Named columns come in the statement's order, each once, `NULL`s and names that are
    /// not columns left out: what `iter` shows of them.
    #[test]
    fn named_columns_are_found_in_the_rows_order() {
        let r = row(
            &["id", "title", "assignedUserId", "createDate"],
            vec![
                Value::Int(7),
                Value::from("Disk"),
                Value::Null,
                Value::from("d"),
            ],
        );
        let names = [
            "createDate",
            "updates",
            "assignedUserId",
            "id",
            "createDate",
        ];
        let found: Vec<_> = r
            .positions(names.into_iter())
            .into_iter()
            .map(|i| r.at(i))
            .collect();
        let shown: Vec<_> = r.iter().filter(|(c, _)| names.contains(c)).collect();
        assert_eq!(found, shown);
        assert_eq!(
            found,
            [("id", &Value::Int(7)), ("createDate", &Value::from("d"))]
        );
        assert!(r.positions(std::iter::empty()).is_empty());
    }
}
