//! The `academy` command line: `serve [--demo]`, `migrate`, `openapi`, `user create-admin`.

use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;

use academy::config::Config;
use academy::{AppState, db, telemetry};
use clap::{Parser, Subcommand};

/// Keeps the resident size flat after password hashing. Each Argon2id hash allocates
/// 19 MiB; glibc serves such blocks with mmap and returns them on free, but after the first
/// free it raises its mmap threshold above that size, so later blocks stay in the heap of
/// whichever thread hashed (hundreds of MiB under sign-in load). A fixed threshold keeps
/// large blocks on mmap; four arenas bound the rest.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn tune_allocator() {
    #[expect(
        unsafe_code,
        reason = "mallopt only changes glibc's allocation thresholds"
    )]
    // SAFETY: mallopt is called before any thread starts and takes plain integers.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024);
        libc::mallopt(libc::M_ARENA_MAX, 4);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn tune_allocator() {}

/// Learning-management backend of the regional youth-care academy.
#[derive(Parser)]
#[command(name = "academy", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Apply pending migrations and serve the HTTP API.
    Serve {
        /// Load demo data first (organisations, people, courses, editions) when the
        /// database is empty, and print the demo logins; a database with data is left as
        /// it is.
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending migrations and exit.
    Migrate,
    /// Print the OpenAPI document.
    Openapi,
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an admin (or make an existing user admin); the password is read from
    /// standard input.
    CreateAdmin {
        /// The admin's e-mail address.
        #[arg(long)]
        email: String,
    },
}

fn main() -> ExitCode {
    tune_allocator();
    let cli = Cli::parse();
    if let Command::Openapi = cli.command {
        println!("{}", academy::openapi_json());
        return ExitCode::SUCCESS;
    }
    let config = match Config::load() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("configuration error: {e:#}");
            return ExitCode::from(2);
        }
    };
    telemetry::init_logging(config.log_format);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command, config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e:#}");
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        Command::Serve { demo } => {
            let state = AppState::init(config).await?;
            if demo {
                match academy::demo::load(&state.db, &state.config.academy_name).await? {
                    Some(summary) => println!("{}", summary.describe(&state.config.public_url)),
                    None => println!(
                        "--demo: the database already holds data (organisations other than the \
                         academy, courses, or demo accounts); nothing was loaded or changed"
                    ),
                }
            }
            academy::serve(state).await
        }
        Command::Migrate => {
            let conn = db::connect(&config.database_url, 2).await?;
            db::migrate(&conn).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::User {
            command: UserCommand::CreateAdmin { email },
        } => {
            let conn = db::connect(&config.database_url, 2).await?;
            db::migrate(&conn).await?;
            let password = read_password()?;
            let view = academy::domain::users::create_admin(&conn, &email, &password)
                .await
                .map_err(|e| anyhow::anyhow!("{}", describe(&e)))?;
            println!(
                "admin {} ({})",
                view.user.email.unwrap_or_default(),
                view.user.id
            );
            Ok(())
        }
        Command::Openapi => Ok(()),
    }
}

fn read_password() -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("password (input is shown; pipe it in to hide it): ");
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

fn describe(e: &academy::error::DomainError) -> String {
    match e {
        academy::error::DomainError::Validation(errors) => errors
            .iter()
            .map(|f| format!("{}: {}", f.field, f.message))
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}
