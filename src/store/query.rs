//! Object filters and result limits as SQL: conditions become bound `WHERE` clauses
//! (nested paths become `EXISTS` over the store's relations), `orderBy` becomes
//! `ORDER BY`, and totals are counted before the limit.

use super::relations::{self, Relation};
use super::{ListQuery, Page, Param, QueryError, query_rows, quote_ident};
use crate::schema::filter::{Condition, Operation};
use crate::schema::{PropertyKind, schema};
use crate::value::Value;
use rusqlite::{Connection, params_from_iter};

/// A SQL text builder that numbers its bound parameters and its aliases.
pub(super) struct SqlBuilder {
    pub(super) params: Vec<Value>,
    pub(super) aliases: usize,
}

impl SqlBuilder {
    fn bind(&mut self, v: Value) -> String {
        self.params.push(v);
        format!("?{}", self.params.len())
    }

    fn alias(&mut self) -> String {
        self.aliases += 1;
        format!("r{}", self.aliases)
    }

    /// `rel`'s FROM and ON with `{r}` named `alias` and `{parent}` as given.
    pub(super) fn relation_sql(
        rel: &Relation,
        alias: &str,
        parent: &str,
    ) -> (String, String, String) {
        let sub = |s: &str| s.replace("{r}", alias).replace("{parent}", parent);
        (sub(rel.from), sub(rel.on), sub(rel.order))
    }

    fn condition(
        &mut self,
        type_name: &str,
        alias: &str,
        cond: &Condition,
        depth: usize,
    ) -> std::result::Result<String, String> {
        let (first, rest) = cond.path.split_first().ok_or("empty path")?;
        let t = schema().type_def(type_name).ok_or("unknown type")?;
        let prop = t
            .property(first)
            .ok_or_else(|| format!("unknown property {first}"))?;
        if rest.is_empty() {
            let column = format!("{alias}.{}", quote_ident(first));
            return match prop.kind {
                PropertyKind::Local => Ok(self.operation(&column, &cond.operation)),
                _ => Err(format!("'{first}' cannot be filtered on")),
            };
        }
        let rel = relations::relations_for(type_name, first)
            .next()
            .ok_or_else(|| format!("'{first}' cannot be filtered on"))?;
        let inner = self.alias();
        let parent = format!("{alias}.{}", quote_ident(rel.key));
        let (from, on, _) = Self::relation_sql(rel, &inner, &parent);
        let sub = Condition {
            path: rest.to_vec(),
            operation: cond.operation.clone(),
        };
        let nested = self.condition(rel.target, &inner, &sub, depth + 1)?;
        Ok(format!(
            "EXISTS (SELECT 1 FROM {from} WHERE {on} AND {nested})"
        ))
    }

    fn operation(&mut self, column: &str, op: &Operation) -> String {
        let like = |s: &str| {
            s.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        };
        match op {
            Operation::Equal(v) => format!("{column} = {}", self.bind(v.clone())),
            Operation::NotEqual(v) => {
                format!("({column} IS NULL OR {column} <> {})", self.bind(v.clone()))
            }
            Operation::Greater(v) => format!("{column} > {}", self.bind(v.clone())),
            Operation::GreaterOrEqual(v) => format!("{column} >= {}", self.bind(v.clone())),
            Operation::Less(v) => format!("{column} < {}", self.bind(v.clone())),
            Operation::LessOrEqual(v) => format!("{column} <= {}", self.bind(v.clone())),
            Operation::StartsWith(s, yes) => self.like(column, format!("{}%", like(s)), *yes),
            Operation::EndsWith(s, yes) => self.like(column, format!("%{}", like(s)), *yes),
            Operation::Contains(s, yes) => self.like(column, format!("%{}%", like(s)), *yes),
            Operation::EqualIgnoringCase(s) => format!(
                "lower({column}) = lower({})",
                self.bind(Value::from(s.as_str()))
            ),
            Operation::IsNull => format!("{column} IS NULL"),
            Operation::NotNull => format!("{column} IS NOT NULL"),
            Operation::In(values, yes) => {
                let marks: Vec<String> = values.iter().map(|v| self.bind(v.clone())).collect();
                let list = if marks.is_empty() {
                    "NULL".to_string()
                } else {
                    marks.join(", ")
                };
                format!("{column} {}IN ({list})", if *yes { "" } else { "NOT " })
            }
        }
    }

    fn like(&mut self, column: &str, pattern: String, yes: bool) -> String {
        let mark = self.bind(Value::String(pattern));
        if yes {
            format!("{column} LIKE {mark} ESCAPE '\\'")
        } else {
            format!("({column} IS NULL OR {column} NOT LIKE {mark} ESCAPE '\\')")
        }
    }

    fn order_column(&self, type_name: &str, alias: &str, path: &[String]) -> Option<String> {
        // Ordering follows local properties of the collection itself.
        let [name] = path else { return None };
        let prop = schema().type_def(type_name)?.property(name)?;
        (prop.kind == PropertyKind::Local).then(|| format!("{alias}.{}", quote_ident(name)))
    }
}

pub(super) fn list(
    conn: &Connection,
    b: &mut SqlBuilder,
    (target, cap): (&str, Option<u64>),
    from: &str,
    on: &str,
    default_order: &str,
    query: &ListQuery,
) -> std::result::Result<Page, QueryError> {
    let mut conditions = vec![on.to_string()];
    let mut order = Vec::new();
    if let Some(filter) = query.filter {
        for c in &filter.conditions {
            conditions.push(
                b.condition(target, "r0", c, 0)
                    .map_err(QueryError::Filter)?,
            );
        }
        for o in &filter.order {
            if let Some(col) = b.order_column(target, "r0", &o.path) {
                order.push(format!(
                    "{col} {}",
                    if o.descending { "DESC" } else { "ASC" }
                ));
            }
        }
    }
    order.push(default_order.to_string());
    let where_sql = conditions.join(" AND ");
    let order_sql = order.join(", ");
    // A capped relation (the last five) is capped before the caller's limit applies.
    let base = match cap {
        Some(cap) => format!(
            "SELECT * FROM (SELECT r0.* FROM {from} WHERE {where_sql} ORDER BY {order_sql} LIMIT {cap}) AS r0"
        ),
        None => format!("SELECT r0.* FROM {from} WHERE {where_sql}"),
    };
    let total: i64 = conn
        .prepare_cached(&format!("SELECT count(*) FROM ({base})"))?
        .query_row(params_from_iter(b.params.iter().map(Param)), |r| r.get(0))?;
    let limit = query.limit.unwrap_or_default();
    let order_outer = if cap.is_some() {
        String::new()
    } else {
        format!(" ORDER BY {order_sql}")
    };
    let sql = format!(
        "{base}{order_outer} LIMIT {} OFFSET {}",
        limit.limit.map(|l| l as i64).unwrap_or(-1),
        limit.offset
    );
    let rows = query_rows(conn, target, &sql, &b.params)?;
    Ok(Page {
        rows,
        total: total as u64,
    })
}
