//! The `pollwatch` command line.

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

use pollwatch::commands::{self, CommandError};
use pollwatch::config::{DatabaseSettings, ServeSettings};

#[derive(Parser)]
#[command(
    name = "pollwatch",
    version,
    about = "Election observation: reports from polling stations, coordination, analysis."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve pollwatch on a database (SQLite file or PostgreSQL).
    Serve {
        #[command(flatten)]
        database: DatabaseSettings,
        #[command(flatten)]
        settings: ServeSettings,
    },
    /// Create a national-scale demo election in a data folder and serve it.
    Demo {
        /// Folder for the demo database; reused on the next run.
        #[arg(long, default_value = "pollwatch-demo")]
        data_dir: PathBuf,
        /// Seed of the generated data; the same seed gives the same election.
        #[arg(long, default_value_t = 2024)]
        seed: u64,
        #[command(flatten)]
        settings: ServeSettings,
    },
    /// Import constituencies, stations, candidates or people from a CSV or XLSX file.
    Import {
        #[command(flatten)]
        database: DatabaseSettings,
        /// constituencies, stations, candidates or people.
        #[arg(long)]
        kind: String,
        /// The CSV or XLSX file.
        #[arg(long)]
        file: PathBuf,
        /// Which column holds a field, as field=Header (repeatable); others are guessed.
        #[arg(long = "map")]
        mappings: Vec<String>,
        /// Check everything, change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Form definitions: load a new one or a new version, list what is loaded.
    Forms {
        #[command(subcommand)]
        command: FormsCommand,
    },
    /// The hash chain over every accepted report and change.
    Chain {
        #[command(subcommand)]
        command: ChainCommand,
    },
    /// Print the OpenAPI document of the JSON API.
    Openapi,
}

#[derive(Subcommand)]
enum FormsCommand {
    /// Load a form definition (JSON; see forms/*.json).
    Load {
        #[command(flatten)]
        database: DatabaseSettings,
        file: PathBuf,
    },
    /// List the loaded forms and versions.
    List {
        #[command(flatten)]
        database: DatabaseSettings,
    },
}

#[derive(Subcommand)]
enum ChainCommand {
    /// Print the current head hash (publishable in a report).
    Head {
        #[command(flatten)]
        database: DatabaseSettings,
    },
    /// Verify every entry and the records they describe; exit 1 naming the first break.
    Verify {
        #[command(flatten)]
        database: DatabaseSettings,
        /// A head published earlier, as `chain head` printed it ("ENTRIES:HASH"): the chain
        /// must still hold it, or it was cut or rewritten after it was published. Repeatable.
        #[arg(long, value_name = "ENTRIES:HASH")]
        published: Vec<String>,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account with a random password, printed once.
    Add {
        #[command(flatten)]
        database: DatabaseSettings,
        #[arg(long)]
        username: String,
        #[arg(long)]
        full_name: String,
        /// coalition_admin, org_admin, coordinator, observer, media_monitor, analyst or partner.
        #[arg(long)]
        role: String,
        /// Member organisation code (needed for organisation roles).
        #[arg(long)]
        organisation: Option<String>,
    },
}

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("POLLWATCH_LOG")
                .unwrap_or_else(|_| "warn,pollwatch=info".into()),
        )
        .init();
    match run(Cli::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn open(database: &DatabaseSettings) -> Result<storage::Store, CommandError> {
    database.prepare()?;
    Ok(storage::Store::open(&database.db).await?)
}

/// A database that must exist already: commands that only read one (the chain's head, its
/// verification, the forms) would otherwise create an empty one at a mistyped path and
/// report on that, e.g. "the chain is intact: 0 entries".
async fn open_existing(database: &DatabaseSettings) -> Result<storage::Store, CommandError> {
    if let Some(file) = database.sqlite_file()
        && !file.exists()
    {
        return Err(CommandError::Usage(format!(
            "no database at {} (give --db, or POLLWATCH_DB, the file the server uses)",
            file.display()
        )));
    }
    Ok(storage::Store::open(&database.db).await?)
}

async fn run(cli: Cli) -> Result<(), CommandError> {
    match cli.command {
        Command::Serve { database, settings } => commands::serve::run(&database, &settings).await,
        Command::Demo { data_dir, seed, settings } => commands::demo::run(&data_dir, seed, &settings).await,
        Command::Import { database, kind, file, mappings, dry_run } => {
            commands::import::run(&open(&database).await?, &kind, &file, &mappings, dry_run).await
        }
        Command::User { command: UserCommand::Add { database, username, full_name, role, organisation } } => {
            commands::user::add(&open(&database).await?, &username, &full_name, &role, organisation.as_deref()).await
        }
        Command::Forms { command: FormsCommand::Load { database, file } } => {
            commands::forms::load(&open(&database).await?, &file).await
        }
        Command::Forms { command: FormsCommand::List { database } } => {
            commands::forms::list(&open_existing(&database).await?).await
        }
        Command::Chain { command: ChainCommand::Head { database } } => {
            commands::chain::head(&open_existing(&database).await?).await
        }
        Command::Chain { command: ChainCommand::Verify { database, published } } => {
            let published =
                published.iter().map(|head| commands::chain::Published::parse(head)).collect::<Result<Vec<_>, _>>()?;
            commands::chain::verify(&open_existing(&database).await?, &published).await
        }
        Command::Openapi => {
            let document = web::api::openapi().to_pretty_json().map_err(|e| CommandError::Usage(e.to_string()))?;
            println!("{document}");
            Ok(())
        }
    }
}
