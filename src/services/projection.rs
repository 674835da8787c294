//! Shapes stored objects into API results by the object mask: local properties by
//! default (or only those the mask names), relational and count properties only when
//! asked for, to any depth the relations allow.

use crate::call::{ExceptionClass, Fault};
use crate::schema::filter::ObjectFilter;
use crate::schema::mask::ObjectMask;
use crate::schema::{PropertyKind, counted_relation, schema};
use crate::store::{self, ListQuery, Related, Row};
use crate::value::{Struct, Value};
use rusqlite::Connection;

/// Checks a mask against a type before any work is done, so a write with a bad mask
/// fails before it happens.
pub fn validate(type_name: &str, mask: &ObjectMask) -> Result<(), Fault> {
    let Some(t) = schema().type_def(type_name) else {
        return Ok(());
    };
    for p in &mask.properties {
        let def = t
            .property(&p.name)
            .ok_or_else(|| unknown(&p.name, type_name))?;
        if def.kind == PropertyKind::Relational && !p.children.is_empty() {
            let target = p.cast.as_deref().unwrap_or(&def.type_name);
            validate_abstract(target, &p.children)?;
        }
    }
    Ok(())
}

/// Abstract targets (`SoftLayer_User_Interface`) are checked against the concrete row
/// when it is loaded instead.
fn validate_abstract(type_name: &str, mask: &ObjectMask) -> Result<(), Fault> {
    match schema().type_def(type_name) {
        Some(t) if !t.properties.is_empty() => validate(type_name, mask),
        _ => Ok(()),
    }
}

fn unknown(property: &str, type_name: &str) -> Fault {
    Fault::new(
        ExceptionClass::Public,
        format!("Property '{property}' not valid for '{type_name}'."),
    )
}

/// Shapes rows into results: by the object mask, as the user `viewer` sees them (some
/// flags are per user), with nested lists narrowed by `filter` under `filteredMask`.
pub struct Projector<'a> {
    pub conn: &'a Connection,
    pub mask: &'a ObjectMask,
    pub viewer: i64,
    /// The filter of the list being projected, when the mask is a `filteredMask`.
    pub filter: Option<&'a ObjectFilter>,
}

impl Projector<'_> {
    pub fn project(&self, row: &Row) -> Result<Value, Fault> {
        self.project_at(row, self.mask, self.filter, 0)
    }

    fn project_at(
        &self,
        row: &Row,
        mask: &ObjectMask,
        filter: Option<&ObjectFilter>,
        depth: usize,
    ) -> Result<Value, Fault> {
        let conn = self.conn;
        let t = schema()
            .type_def(&row.type_name)
            .ok_or_else(|| Fault::public(format!("Unknown type {}", row.type_name)))?;
        let mut out = Struct::with_capacity(row.values.len());
        let named_locals = mask
            .properties
            .iter()
            .any(|p| t.property(&p.name).map(|d| d.kind) == Some(PropertyKind::Local));
        for (column, value) in &row.values {
            let Some(def) = t.property(column) else {
                continue;
            };
            if def.kind != PropertyKind::Local || (named_locals && mask.get(column).is_none()) {
                continue;
            }
            out.insert(column.clone(), value.clone());
        }
        for p in &mask.properties {
            let def = t
                .property(&p.name)
                .ok_or_else(|| unknown(&p.name, &row.type_name))?;
            match def.kind {
                PropertyKind::Local => {}
                PropertyKind::Count => {
                    let counted = counted_relation(t, &p.name)
                        .map(|r| r.name.as_str())
                        .unwrap_or("");
                    if let Some(n) = store::count_related(conn, row, counted).map_err(internal)? {
                        out.insert(p.name.clone(), Value::Int(n as i64));
                    }
                }
                PropertyKind::Relational if !def.type_name.starts_with("SoftLayer_") => {
                    if let Some(v) =
                        store::computed(conn, row, &p.name, self.viewer).map_err(internal)?
                    {
                        out.insert(p.name.clone(), v);
                    }
                }
                PropertyKind::Relational => {
                    if depth > 16 {
                        return Err(Fault::public("Object mask is nested too deeply."));
                    }
                    let sub = filter.map(|f| f.sub_filter(&p.name));
                    let query = ListQuery {
                        filter: sub.as_ref().filter(|f| !f.is_empty()),
                        limit: None,
                    };
                    match store::related(conn, row, &p.name, &query).map_err(query_fault)? {
                        Some(Related::One(Some(r))) => {
                            let v = self.project_at(&r, &p.children, sub.as_ref(), depth + 1)?;
                            out.insert(p.name.clone(), v);
                        }
                        Some(Related::Many(rows)) => {
                            let mut items = Vec::with_capacity(rows.len());
                            for r in &rows {
                                items.push(self.project_at(
                                    r,
                                    &p.children,
                                    sub.as_ref(),
                                    depth + 1,
                                )?);
                            }
                            out.insert(p.name.clone(), Value::Array(items));
                        }
                        // Nothing there, or a relation the emulator holds no data for:
                        // left out, as the real API leaves out an empty relation.
                        Some(Related::One(None)) | None => {}
                    }
                }
            }
        }
        Ok(Value::Struct(out))
    }
}

pub fn internal(e: store::StoreError) -> Fault {
    tracing::error!("store error: {e}");
    Fault::new(ExceptionClass::Exception, "An internal error occurred.")
}

pub fn query_fault(e: store::QueryError) -> Fault {
    match e {
        store::QueryError::Store(e) => internal(e),
        store::QueryError::Filter(msg) => Fault::public(format!("Invalid object filter: {msg}")),
        store::QueryError::Delivery => Fault::new(
            ExceptionClass::Exception,
            "The reply could not be delivered.",
        ),
    }
}
