use storage::Store;

use crate::commands::CommandError;
use crate::config::{DatabaseSettings, ServeSettings};
use crate::startup::Application;

pub async fn run(database: &DatabaseSettings, settings: &ServeSettings) -> Result<(), CommandError> {
    database.prepare()?;
    let store = Store::open(&database.db).await?;
    let application = Application::build(store, settings).await?;
    println!("pollwatch is serving on http://{}", application.address());
    application.run_until_stopped().await?;
    Ok(())
}
