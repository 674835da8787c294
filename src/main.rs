//! softlayer-ticket-server: a local SoftLayer_Ticket-compatible endpoint that speaks the
//! SoftLayer API's transports and keeps its state in SQLite.

mod auth;
mod call;
mod protocol;
mod schema;
mod server;
mod services;
mod store;
mod value;

use clap::{Parser, Subcommand};
use std::sync::Arc;

#[derive(Parser)]
#[command(version, about = "A local SoftLayer_Ticket-compatible API endpoint")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (creating and seeding the database on first start).
    Serve {
        #[arg(
            long,
            default_value = "127.0.0.1:8080",
            env = "SOFTLAYER_EMULATOR_LISTEN"
        )]
        listen: String,
        /// SQLite file, or `:memory:`.
        #[arg(long, default_value = "./softlayer.db", env = "SOFTLAYER_EMULATOR_DB")]
        db: String,
    },
    /// Load SoftLayer objects from JSON documents (the format of fixtures/seed/) into a database.
    Load {
        #[arg(long, default_value = "./softlayer.db")]
        db: String,
        files: Vec<std::path::PathBuf>,
    },
}

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let result = match Cli::parse().command {
        Command::Serve { listen, db } => serve(&listen, &db),
        Command::Load { db, files } => load(&db, &files),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn serve(listen: &str, db: &str) -> Result<(), Box<dyn std::error::Error>> {
    let store = Arc::new(store::Store::open(db)?);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(listen).await?;
        let addr = listener.local_addr()?;
        tracing::info!("database: {db}");
        tracing::info!(
            "XML-RPC endpoint: http://{addr}/xmlrpc/v3.1/{{Service}} (also /xmlrpc/v3/)"
        );
        tracing::info!("health: http://{addr}/health");
        eprintln!(
            "\nslcli configuration (save as ~/.softlayer or pass with --config):\n\n\
             [softlayer]\nusername = demo\n\
             api_key = 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n\
             endpoint_url = http://{addr}/xmlrpc/v3.1/\ntimeout = 30\n"
        );
        server::serve(listener, store).await?;
        Ok(())
    })
}

fn load(db: &str, files: &[std::path::PathBuf]) -> Result<(), Box<dyn std::error::Error>> {
    let store = store::Store::open(db)?;
    for file in files {
        let text = std::fs::read_to_string(file)?;
        let n = store.write(|conn| store::seed::load_document(conn, &text))?;
        eprintln!("{}: {n} objects loaded", file.display());
    }
    Ok(())
}
