//! Who hears about a ticket and when: additional notification emails, scheduled alerts
//! and auto-close, tags, and the survey.

use super::*;
use crate::store::TICKET_TAG_TYPE;
use crate::value::PhpTrim;

const EMAIL: &str = "SoftLayer_User_Customer_AdditionalEmail";
const SCHEDULED: &str = "SoftLayer_Ticket_Attachment_Scheduled_Action";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailChange {
    Add,
    Remove,
    Replace,
}

pub(super) fn change_emails(ctx: &Ctx, change: EmailChange) -> Result<Output, Fault> {
    let ticket = init_object(ctx)?;
    let ticket_id = ticket.id().unwrap_or_default();
    // No list is no list: read as an empty one, `updateAttachedAdditionalEmails` removed
    // every address (SOAP::Lite's WSDL stubs send a list argument as xsi:nil).
    // A nil item is skipped as a blank one is (a stub's array with a slot never set).
    let Some(emails) = ctx.arg::<Vec<Option<String>>>(0)? else {
        return Err(Fault::invalid_value(format!(
            "Invalid value for parameter 'emails': expected an array of string, not null{}.",
            if change == EmailChange::Replace {
                " (an empty array removes every additional email)"
            } else {
                ""
            }
        )));
    };
    let emails: Vec<String> = emails
        .into_iter()
        .flatten()
        .map(|e| e.php_trim().to_string())
        .filter(|e| !e.is_empty())
        .collect();
    let current = store::ticket_additional_emails(ctx.conn, ticket_id)?;
    // Looked up, not searched: a list of 64,000 against as many held took 11.8 s.
    let named: std::collections::HashSet<String> = emails
        .iter()
        .map(|e| crate::services::email_key(e))
        .collect();
    let remove: std::collections::HashSet<i64> = current
        .iter()
        .filter(|(_, email)| {
            let listed = named.contains(&crate::services::email_key(email));
            match change {
                EmailChange::Add => false,
                EmailChange::Remove => listed,
                EmailChange::Replace => !listed,
            }
        })
        .map(|(id, _)| *id)
        .collect();
    for &id in &remove {
        store::delete_where(
            ctx.conn,
            "emulator_ticket_additional_email",
            &fields([
                ("ticketId", Value::Int(ticket_id)),
                ("additionalEmailId", Value::Int(id)),
            ]),
        )?;
    }
    if change == EmailChange::Remove {
        return Ok(Output::Value(Value::Bool(true)));
    }
    // New addresses belong to the ticket's assigned user.
    let user = ticket.get_i64("assignedUserId").ok_or_else(|| {
        public("This ticket does not have an assigned user. Could not add additional emails.")
    })?;
    let invalid: Vec<String> = emails
        .iter()
        .filter(|e| !crate::services::valid_email(e))
        .map(|e| match crate::services::email_refused_for(e) {
            Some(why) => format!("{e} ({why})"),
            None => e.clone(),
        })
        .collect();
    if !invalid.is_empty() {
        return Err(public(&format!(
            "Invalid email address(es) found: {}",
            invalid.join(", ")
        )));
    }
    // One address whatever its case, as removing and mailing read it: `Q@X.com` beside
    // `q@x.com` was listed twice and both went at one remove.
    let mut held: std::collections::HashSet<String> = current
        .iter()
        .filter(|(id, _)| !remove.contains(id))
        .map(|(_, email)| crate::services::email_key(email))
        .collect();
    for email in &emails {
        if !held.insert(crate::services::email_key(email)) {
            continue;
        }
        let key = fields([
            ("userId", Value::Int(user)),
            ("email", Value::String(email.clone())),
        ]);
        let id = match store::find(ctx.conn, EMAIL, &key)?
            .first()
            .and_then(Row::id)
        {
            Some(id) => id,
            None => store::insert_new(ctx.conn, EMAIL, &key)?,
        };
        store::link_additional_email(ctx.conn, ticket_id, id)?;
    }
    Ok(Output::Value(Value::Bool(true)))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScheduleKind {
    Alert,
    AutoClose,
}

impl ScheduleKind {
    fn name(self) -> &'static str {
        match self {
            ScheduleKind::Alert => "ALERT",
            ScheduleKind::AutoClose => "AUTO_CLOSE",
        }
    }
}

pub(super) fn schedule(ctx: &Ctx, kind: ScheduleKind) -> Result<Output, Fault> {
    let ticket = init_object(ctx)?.id().unwrap_or_default();
    let text: Option<String> = ctx.arg(0)?;
    let text = text
        .filter(|t| !t.php_trim().is_empty())
        .ok_or_else(|| Fault::rule("Please provide an activation time."))?;
    let run = parse_date(ctx, &text).ok_or_else(|| {
        let why = crate::time::refusal(&text, ctx.zone, "use ISO 8601 or MM/DD/YYYY HH:MM:SS");
        Fault::rule(format!("Invalid activation time '{text}': {why}."))
    })?;
    // One scheduled action of each kind per ticket: a new one replaces the old.
    unschedule_kind(ctx, ticket, kind)?;
    let when = now();
    let transaction = store::insert_new(
        ctx.conn,
        "SoftLayer_Provisioning_Version1_Transaction",
        &fields([
            ("createDate", Value::DateTime(when.clone())),
            ("modifyDate", Value::DateTime(when.clone())),
        ]),
    )?;
    store::insert_new(
        ctx.conn,
        SCHEDULED,
        &fields([
            ("ticketId", Value::Int(ticket)),
            ("attachmentId", Value::Int(transaction)),
            ("transactionId", Value::Int(transaction)),
            ("runDate", Value::DateTime(run)),
            ("createDate", Value::DateTime(when)),
            ("kind", Value::from(kind.name())),
        ]),
    )?;
    Ok(Output::Value(Value::Null))
}

fn unschedule_kind(ctx: &Ctx, ticket: i64, kind: ScheduleKind) -> Result<usize, Fault> {
    let key = fields([
        ("ticketId", Value::Int(ticket)),
        ("kind", Value::from(kind.name())),
    ]);
    let existing = store::find(ctx.conn, SCHEDULED, &key)?;
    for action in &existing {
        // As the scheduler removes one it ran: an imported transaction two actions share
        // stays while the other names it (deleting it failed the foreign key, and the
        // alert could be neither removed nor replaced).
        store::harness::remove_scheduled_action(ctx.conn, action)?;
    }
    Ok(existing.len())
}

pub(super) fn unschedule(ctx: &Ctx, kind: ScheduleKind) -> Result<Output, Fault> {
    let ticket = init_object(ctx)?.id().unwrap_or_default();
    unschedule_kind(ctx, ticket, kind)?;
    Ok(Output::Value(Value::Null))
}

/// Replaces the ticket's tags with the comma-separated list given.
pub(super) fn set_tags(ctx: &Ctx) -> Result<Output, Fault> {
    let ticket = init_object(ctx)?.id().unwrap_or_default();
    let text: String = ctx.arg(0)?.unwrap_or_default();
    // SLDN's SoftLayer_Tag::setTags, whose tags a ticket's are: "The characters permitted
    // are A-Z, 0-9, whitespace, _ (underscore), - (hyphen), . (period), and : (colon). All
    // other characters will be stripped away." As its A-Z, its whitespace is ASCII's
    // (a no-break space or U+2028 inside a tag was kept).
    let permitted = |c: &char| {
        c.is_ascii_alphanumeric() || c.is_ascii_whitespace() || matches!(c, '_' | '-' | '.' | ':')
    };
    let mut names: Vec<String> = text
        .split(',')
        .map(|t| {
            t.chars()
                .filter(permitted)
                .collect::<String>()
                .php_trim()
                .to_string()
        })
        .filter(|t| !t.is_empty())
        .collect();
    names.sort();
    names.dedup();
    if let Some(bad) = names.iter().find(|n| n.chars().count() > 255) {
        return Err(Fault::rule(format!(
            "Tag '{bad}' is longer than 255 characters."
        )));
    }
    store::delete_where(
        ctx.conn,
        "SoftLayer_Tag_Reference",
        &fields([
            ("tagTypeId", Value::Int(TICKET_TAG_TYPE)),
            ("resourceTableId", Value::Int(ticket)),
        ]),
    )?;
    for name in names {
        let key = fields([
            ("accountId", Value::Int(ctx.principal.account_id)),
            ("name", Value::String(name)),
        ]);
        let tag = match store::find(ctx.conn, "SoftLayer_Tag", &key)?
            .first()
            .and_then(Row::id)
        {
            Some(id) => id,
            None => store::insert_new(ctx.conn, "SoftLayer_Tag", &key)?,
        };
        store::insert_new(
            ctx.conn,
            "SoftLayer_Tag_Reference",
            &fields([
                ("tagId", Value::Int(tag)),
                ("tagTypeId", Value::Int(TICKET_TAG_TYPE)),
                ("resourceTableId", Value::Int(ticket)),
                ("usrRecordId", Value::Int(ctx.principal.user_id)),
            ]),
        )?;
    }
    Ok(Output::Value(Value::Bool(true)))
}

/// Deprecated in favour of SoftLayer_Ticket_Survey::getPreference, and answered from it.
pub(super) fn survey_eligible(ctx: &Ctx) -> Result<Output, Fault> {
    let opted_out =
        store::survey_preference(ctx.conn, ctx.principal.user_id)?.is_some_and(|(out, _)| out);
    Ok(Output::Value(Value::Bool(!opted_out)))
}
