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

/// "2024-02-07T08:05:00+04:00", for exports and every report's acknowledgement. Written
/// digit by digit: `time`'s formatter walks its format description item by item, 1 % of the
/// server's time under load.
pub fn format_baku_rfc3339(millis: i64) -> String {
    let moment = from_millis(millis).to_offset(BAKU);
    let Ok(year) = u16::try_from(moment.year()) else { return String::new() };
    if year > 9999 {
        return String::new();
    }
    let mut text = String::with_capacity(25);
    push_two_digits(&mut text, (year / 100) as u8);
    push_two_digits(&mut text, (year % 100) as u8);
    for (separator, value) in [
        ('-', u8::from(moment.month())),
        ('-', moment.day()),
        ('T', moment.hour()),
        (':', moment.minute()),
        (':', moment.second()),
    ] {
        text.push(separator);
        push_two_digits(&mut text, value);
    }
    text.push_str("+04:00");
    text
}

fn push_two_digits(text: &mut String, value: u8) {
    text.push(char::from(b'0' + value / 10));
    text.push(char::from(b'0' + value % 10));
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
        // Late on New Year's Eve in UTC is already the next year in Baku.
        assert_eq!(format_baku_rfc3339(1_735_684_205_000), "2025-01-01T02:30:05+04:00");
    }
}
