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
        }
        None => println!("entries: 0\nhead:    {}", domain::ledger::GENESIS),
    }
    Ok(())
}

/// Checks every entry and the records they describe; names the first that does not match.
pub async fn verify(store: &Store) -> Result<(), CommandError> {
    let started = std::time::Instant::now();
    let result = storage::ledger::verify(store.reads()).await?;
    match result.first_break {
        None => {
            println!(
                "The chain is intact: {} entries checked in {:.1} s.",
                result.checked,
                started.elapsed().as_secs_f64()
            );
            println!("head: {}", result.head);
            Ok(())
        }
        Some(broken) => {
            println!("BROKEN after {} good entries: {broken}", result.checked);
            Err(CommandError::ChainBroken)
        }
    }
}
