//! Baku time. Azerbaijan has kept UTC+4 all year since it abolished daylight saving in 2016,
//! so a fixed offset is exact for every date pollwatch deals with.

use time::{OffsetDateTime, UtcOffset, macros::format_description};

pub const BAKU: UtcOffset = match UtcOffset::from_hms(4, 0, 0) {
    Ok(offset) => offset,
    Err(_) => panic!("UTC+4 is a valid offset"),
};

/// A moment as milliseconds since the Unix epoch, the way storage keeps it.
pub fn from_millis(millis: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(millis) * 1_000_000).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// "2024-02-07 08:05" in Baku time.
pub fn format_baku(millis: i64) -> String {
    let format = format_description!("[year]-[month]-[day] [hour]:[minute]");
    from_millis(millis).to_offset(BAKU).format(&format).unwrap_or_default()
}

/// "2024-02-07T08:05:00+04:00", for exports.
pub fn format_baku_rfc3339(millis: i64) -> String {
    let format = format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second][offset_hour sign:mandatory]:[offset_minute]"
    );
    from_millis(millis).to_offset(BAKU).format(&format).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_baku_time() {
        // 2024-02-07 04:00 UTC is 08:00 in Baku, when polls open.
        let millis = 1_707_278_400_000;
        assert_eq!(format_baku(millis), "2024-02-07 08:00");
        assert_eq!(format_baku_rfc3339(millis), "2024-02-07T08:00:00+04:00");
    }
}
