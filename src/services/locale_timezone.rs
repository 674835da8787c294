//! SoftLayer_Locale_Timezone: the time zones a user may be given (`timezoneId`), as
//! SLDN's date article has callers list them before `SoftLayer_User_Customer::editObject`.

use super::{Entry, Output, all_of, init_object, read};

pub fn handler(method: &str) -> Option<Entry> {
    Some(match method {
        "getAllObjects" => read(|ctx| all_of(ctx, "SoftLayer_Locale_Timezone", "{r}.id")),
        "getObject" => read(|ctx| Ok(Output::Object(init_object(ctx)?))),
        _ => return None,
    })
}
