//! Files attached to tickets: kept in SQLite (base64 on the wire, bytes at rest), with
//! unique names per ticket, an extension whitelist and a size limit.

use super::*;
use crate::services::sldn_message;

/// What `SoftLayer_Ticket_Attachment_File::getExtensionWhitelist` answers and
/// `addAttachedFile` enforces.
pub const EXTENSION_WHITELIST: &[&str] = &[
    "7z", "bmp", "cap", "csv", "doc", "docx", "eml", "gif", "gz", "htm", "html", "jpeg", "jpg",
    "json", "log", "msg", "odt", "ods", "pcap", "pdf", "png", "ppt", "pptx", "rar", "rtf", "tar",
    "tgz", "tif", "tiff", "txt", "xls", "xlsx", "xml", "yaml", "yml", "zip",
];

/// The largest file a ticket takes.
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;

const FILE: &str = "SoftLayer_Ticket_Attachment_File";

/// A `SoftLayer_Container_Utility_File_Attachment` as received.
pub struct NewFile {
    pub name: String,
    pub data: Vec<u8>,
}

/// The file bytes: dispatch has already turned the data of every transport (base64
/// binaries, base64 text, byte arrays) into bytes, or refused it.
fn file_bytes(value: &Value) -> Option<Vec<u8>> {
    match value {
        Value::Base64(b) => Some(b.clone()),
        _ => None,
    }
}

/// Checks one file container and reads it, with the SLDN messages of addAttachedFile.
fn read_file(value: Option<&Value>) -> Result<NewFile, Fault> {
    // SLDN: "a null file" is also "an empty SoftLayer_Container_File_Attachment", a
    // container holding nothing.
    let container = value
        .filter(|v| match v {
            Value::Struct(members) => !members.values().all(Value::is_null),
            other => !other.is_null(),
        })
        .ok_or_else(|| exception("Unable to attach a null file to this ticket."))?;
    let name = container
        .get("filename")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| exception("Unable to attach a file with no file name to this ticket."))?
        .to_string();
    let data = container
        .get("data")
        .and_then(file_bytes)
        .filter(|d| !d.is_empty())
        .ok_or_else(|| exception("Unable to attach a file with no contents to this ticket."))?;
    let extension = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    if !EXTENSION_WHITELIST.contains(&extension.as_str()) {
        return Err(exception(&format!(
            "The file {name} has an extension that may not be attached to tickets. Allowed extensions: {}.",
            EXTENSION_WHITELIST.join(", ")
        )));
    }
    if data.len() > MAX_FILE_BYTES {
        return Err(exception(&format!(
            "The file {name} is {} bytes; ticket attachments may not exceed {MAX_FILE_BYTES} bytes.",
            data.len()
        )));
    }
    Ok(NewFile { name, data })
}

/// The optional file array at `index`.
pub(super) fn files_arg(ctx: &Ctx, index: usize) -> Result<Vec<NewFile>, Fault> {
    match ctx.args.get(index) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items.iter().map(|i| read_file(Some(i))).collect(),
        Some(single @ Value::Struct(_)) => Ok(vec![read_file(Some(single))?]),
        Some(_) => Err(Fault::invalid_value(
            "attachedFiles must be an array of files.",
        )),
    }
}

pub(super) fn check_count(files: &[NewFile], max: usize) -> Result<(), Fault> {
    if files.len() > max {
        return Err(exception(
            "You may not attach more than two files when updating a ticket.",
        ));
    }
    let mut names: Vec<&str> = files.iter().map(|f| f.name.as_str()).collect();
    names.sort_unstable();
    if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
        return Err(exception(&sldn_message(
            "A file named {filename} is already attached to this ticket.",
            &[("filename", &w[0])],
        )));
    }
    Ok(())
}

/// Stores a file on a ticket (and the update it came with, if any).
pub(super) fn store_file(
    ctx: &Ctx,
    ticket_id: i64,
    update_id: Option<i64>,
    file: &NewFile,
) -> Result<Row, Fault> {
    let taken = fields([
        ("ticketId", Value::Int(ticket_id)),
        ("fileName", Value::String(file.name.clone())),
    ]);
    if !store::find(ctx.conn, FILE, &taken)?.is_empty() {
        return Err(exception(&sldn_message(
            "A file named {filename} is already attached to this ticket.",
            &[("filename", &file.name)],
        )));
    }
    let when = now();
    let mut row = fields([
        ("ticketId", Value::Int(ticket_id)),
        ("fileName", Value::String(file.name.clone())),
        ("fileSize", Value::String(file.data.len().to_string())),
        (
            "uploaderId",
            Value::String(ctx.principal.user_id.to_string()),
        ),
        ("uploaderType", Value::from("USER")),
        ("createDate", Value::DateTime(when.clone())),
        ("modifyDate", Value::DateTime(when)),
        ("content", Value::Base64(file.data.clone())),
    ]);
    if let Some(u) = update_id {
        row.insert("updateId".into(), Value::Int(u));
    }
    let id = store::insert_new(ctx.conn, FILE, &row)?;
    store::get(ctx.conn, FILE, id)?.ok_or_else(|| exception(UNABLE_TO_ATTACH_FILE))
}

/// SLDN addAttachedFile's failure to attach.
const UNABLE_TO_ATTACH_FILE: &str = "Unable to attach file to this ticket.";

pub(super) fn add_attached_file(ctx: &Ctx) -> Result<Output, Fault> {
    let ticket = init_object(ctx)?;
    super::updates::refuse_if_not_updatable(
        &ticket,
        ExceptionClass::Exception,
        UNABLE_TO_ATTACH_FILE,
    )?;
    let file = read_file(ctx.args.first())?;
    let id = ticket.id().unwrap_or_default();
    let row = store_file(ctx, id, None, &file)?;
    // An edit, as `edit` with files alone is (SLDN's lastEditDate: "A modification does
    // not necessarily mean that an update was added"): the same file attached either way
    // moved lastEditDate one way only.
    let mut changes = Struct::new();
    super::updates::stamp_edit(
        &mut changes,
        &now(),
        super::updates::USER_EDIT,
        Some(ctx.principal.user_id),
    );
    store::update(ctx.conn, TICKET, id, &changes)?;
    Ok(Output::Object(row))
}

pub(super) fn get_attached_file(ctx: &Ctx) -> Result<Output, Fault> {
    let ticket = init_object(ctx)?.id().unwrap_or_default();
    let file_id = ctx
        .int_arg(0)?
        .ok_or_else(|| exception("Unable to load a valid ticket file attachment."))?;
    // A big file's reply (its base64, a third bigger) is built off the async threads,
    // and not at all while the replies its clients have not read fill their allowance:
    // each unread download read and encoded 10 MiB only to be refused, and `/health`
    // waited behind them.
    let size = store::attached_file_size(ctx.conn, ticket, file_id)?.unwrap_or(0) as usize;
    let reply = size / 3 * 4 + 4096;
    if reply > crate::limits::BIG_REPLY {
        if store::sql_clock::give_up_quick() {
            return Err(Fault::busy("A heavy reply moves to the blocking pool."));
        }
        crate::limits::check_room_for_unsent_reply(reply)?;
    }
    let found = store::find(
        ctx.conn,
        FILE,
        &fields([
            ("id", Value::Int(file_id)),
            ("ticketId", Value::Int(ticket)),
        ]),
    )?;
    let file = found.into_iter().next().ok_or_else(|| {
        exception(&format!(
            "File {file_id} is not attached to ticket {ticket}."
        ))
    })?;
    // Taken, not copied: 10 MiB more for each download being built.
    match file.values.into_struct().swap_remove("content") {
        Some(Value::Base64(bytes)) => Ok(Output::Value(Value::Base64(bytes))),
        _ => Err(exception("File does not exist: file not found.")),
    }
}
