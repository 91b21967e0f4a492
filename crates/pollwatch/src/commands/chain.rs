//! `pollwatch chain head|verify`: the hash chain that makes the record evidence.

use storage::Store;

use crate::commands::CommandError;

/// Prints the head: publishing this hash in a report fixes every record up to it.
pub async fn head(store: &Store) -> Result<(), CommandError> {
    match storage::ledger::head(store.reads()).await? {
        Some(entry) => {
            println!("entries: {}", entry.seq);
            println!("head:    {}", entry.hash);
            println!("at:      {} (Baku time)", domain::timezone::format_baku_rfc3339(entry.at));
            // Published, it lets anyone holding a copy check later that nothing up to it was
            // cut or rewritten.
            println!("check:   pollwatch chain verify --published {}:{}", entry.seq, entry.hash);
        }
        None => println!("entries: 0\nhead:    {}", domain::ledger::GENESIS),
    }
    Ok(())
}

/// A head published earlier: how many entries the chain had, and its hash then.
pub struct Published {
    entries: i64,
    hash: String,
}

impl Published {
    /// "ENTRIES:HASH", as `chain head` prints it.
    pub fn parse(text: &str) -> Result<Published, CommandError> {
        let refused = || {
            CommandError::Usage(format!(
                "--published {text}: expected ENTRIES:HASH as `pollwatch chain head` prints it, e.g. 1234:9f86d0…"
            ))
        };
        let (entries, hash) = text.trim().split_once(':').ok_or_else(refused)?;
        let entries = entries.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(refused)?;
        let hash = hash.to_ascii_lowercase();
        if hash.len() != 64 || !hash.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(refused());
        }
        Ok(Published { entries, hash })
    }
}

/// Checks every entry and the records they describe; names the first that does not match.
/// Each published head must still be in the chain: a chain cut after it, or rewritten from
/// the start, verifies on its own.
pub async fn verify(store: &Store, published: &[Published]) -> Result<(), CommandError> {
    let started = std::time::Instant::now();
    let result = storage::ledger::verify(store.reads()).await?;
    if let Some(broken) = result.first_break {
        println!("BROKEN after {} good entries: {broken}", result.checked);
        return Err(CommandError::ChainBroken);
    }
    println!("The chain is intact: {} entries checked in {:.1} s.", result.checked, started.elapsed().as_secs_f64());
    println!("head: {}", result.head);
    let mut held = true;
    for head in published {
        let found = if u64::try_from(head.entries).is_ok_and(|n| n <= result.checked) {
            storage::ledger::hash_at(store.reads(), head.entries).await?
        } else {
            None
        };
        match found {
            Some(hash) if hash == head.hash => {
                println!("The published head of {} entries is in the chain: nothing up to it changed.", head.entries)
            }
            Some(hash) => {
                held = false;
                println!(
                    "BROKEN: entry {} is {hash}, not the published {}: the record up to it was rewritten after it was published.",
                    head.entries, head.hash
                );
            }
            None => {
                held = false;
                println!(
                    "BROKEN: the chain holds {} entries, fewer than the {} published: entries were removed after it was published.",
                    result.checked, head.entries
                );
            }
        }
    }
    if held { Ok(()) } else { Err(CommandError::ChainBroken) }
}
