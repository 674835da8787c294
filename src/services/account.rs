//! SoftLayer_Account: the caller's own account. Its ticket, user and device lists are
//! relational getters answered from the store's relations; its ticket graphs are drawn
//! here from the account's tickets.

use super::{Ctx, Entry, Output, init_object, read};
use crate::call::{ExceptionClass, Fault};
use crate::chart::{Rgb, Slice, pie_png};
use crate::store::{self, ticket_statistics};
use crate::time::{self, DATE_FORMATS};
use crate::value::{Struct, Value};

pub fn handler(method: &str) -> Option<Entry> {
    Some(match method {
        "getObject" => read(|ctx| Ok(Output::Object(init_object(ctx)?))),
        "getCurrentUser" => read(current_user),
        "getCurrentTicketStatisticsGraph" => read(current_ticket_statistics_graph),
        "getHistoricalTicketGraph" => {
            read(historical_ticket_graph).own_argument_faults(&["startDate", "endDate"])
        }
        _ => return None,
    })
}

fn current_user(ctx: &Ctx) -> Result<Output, Fault> {
    let id = ctx.principal.user_id;
    let user =
        store::get(ctx.conn, "SoftLayer_User_Customer", id)?.ok_or_else(|| Fault::not_found(id))?;
    Ok(Output::Object(user))
}

// The slices' colours: open (waiting on SoftLayer), waiting on the customer, closed.
const OPEN: Rgb = [0x0f, 0x62, 0xfe];
const AWAITING_CUSTOMER: Rgb = [0xf1, 0xc2, 0x1b];
const CLOSED: Rgb = [0x24, 0xa1, 0x48];

/// SoftLayer_Container_Account_Graph_Outputs' `graphError` when there is nothing to draw
/// (SLDN getHistoricalTicketGraph: "no data available for the specified date range").
const NO_DATA: &str = "There is no data available for the specified date range.";

/// SLDN SoftLayer_Account::getCurrentTicketStatisticsGraph: the account's tickets as they
/// are now, counted (as text, the container's property type) and drawn as a pie: open
/// against closed, or with `detailedGraph`, open tickets split into those waiting on
/// SoftLayer and those waiting on the customer.
fn current_ticket_statistics_graph(ctx: &Ctx) -> Result<Output, Fault> {
    let detailed = ctx.arg::<bool>(0)?.unwrap_or(false);
    let now = time::now_ms();
    let tickets = ticket_statistics::current(ctx.conn, ctx.principal.account_id)?;
    let mut out = Struct::new();
    out.insert("openTickets".into(), count(tickets.open()));
    out.insert("closedTickets".into(), count(tickets.closed));
    out.insert(
        "waitingEmployeeResponseTicketCount".into(),
        count(tickets.awaiting_employee),
    );
    out.insert(
        "pendingCustomerResponseTicketCount".into(),
        count(tickets.awaiting_customer),
    );
    if let Some(first) = tickets
        .first_created
        .as_deref()
        .and_then(|d| ctx.zone.render_stored(d))
    {
        out.insert("startDate".into(), Value::DateTime(first));
    }
    out.insert("endDate".into(), Value::DateTime(ctx.zone.render(now)));
    let slices = if detailed {
        vec![
            slice(tickets.awaiting_employee, OPEN),
            slice(tickets.awaiting_customer, AWAITING_CUSTOMER),
            slice(tickets.closed, CLOSED),
        ]
    } else {
        vec![slice(tickets.open(), OPEN), slice(tickets.closed, CLOSED)]
    };
    draw(&mut out, &slices);
    Ok(Output::Value(Value::Struct(out)))
}

/// SLDN SoftLayer_Account::getHistoricalTicketGraph: what happened to the account's
/// tickets from `startDate` to `endDate` (dates without a time are whole days, read in
/// the caller's time zone): tickets opened and tickets closed in the period, counted and
/// drawn as a pie. An invalid date is `SoftLayer_Exception_Public`, as the page says,
/// whatever its type (a number, as `SoftLayer_Container_Ticket_GraphInputs`' "unix
/// timestamp" leads callers to send, was `InvalidValue`); a period with no tickets opened
/// or closed answers with `graphError` and no image.
fn historical_ticket_graph(ctx: &Ctx) -> Result<Output, Fault> {
    let now = time::now_ms();
    let date = |index: usize, name: &str| -> Result<time::DateSpan, Fault> {
        let text = ctx.text_arg(index).map_err(|_| {
            let sent = ctx.args.get(index).map(super::as_sent).unwrap_or_default();
            Fault::documented(
                ExceptionClass::Public,
                format!("Invalid {name} '{sent}': {DATE_FORMATS}"),
            )
        })?;
        let text = text.ok_or_else(|| {
            Fault::documented(
                ExceptionClass::Public,
                format!(
                    "Please provide {} {name}: {DATE_FORMATS}",
                    if name.starts_with('e') { "an" } else { "a" }
                ),
            )
        })?;
        time::parse(&text, ctx.zone, now).ok_or_else(|| {
            Fault::documented(
                ExceptionClass::Public,
                format!(
                    "Invalid {name} '{text}': {}",
                    time::refusal(&text, ctx.zone, DATE_FORMATS)
                ),
            )
        })
    };
    let start = date(0, "start date")?;
    let end = date(1, "end date")?;
    if end.end <= start.start {
        return Err(Fault::documented(
            ExceptionClass::Public,
            "Invalid date range: the end date is before the start date.",
        ));
    }
    let history =
        ticket_statistics::history(ctx.conn, ctx.principal.account_id, start.start, end.end)?;
    let mut out = Struct::new();
    out.insert("openTickets".into(), count(history.opened));
    out.insert("closedTickets".into(), count(history.closed));
    out.insert(
        "startDate".into(),
        Value::DateTime(ctx.zone.render(start.start)),
    );
    // The last date included: the end date's own day (or instant).
    out.insert(
        "endDate".into(),
        Value::DateTime(ctx.zone.render(end.start)),
    );
    draw(
        &mut out,
        &[slice(history.opened, OPEN), slice(history.closed, CLOSED)],
    );
    Ok(Output::Value(Value::Struct(out)))
}

fn count(n: u64) -> Value {
    Value::String(n.to_string())
}

fn slice(value: u64, colour: Rgb) -> Slice {
    Slice { value, colour }
}

/// The pie as `graphImage`, or `graphError` when there is nothing to draw.
fn draw(out: &mut Struct, slices: &[Slice]) {
    match pie_png(slices) {
        Some(png) => out.insert("graphImage".into(), Value::Base64(png)),
        None => out.insert("graphError".into(), Value::from(NO_DATA)),
    };
}
