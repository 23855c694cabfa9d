//! `cetak serve` (the office server) and `cetak user` (accounts: add, list, disable, enable,
//! set-role, reset-password, sessions-end; every change audited).

use std::io::{BufRead, IsTerminal};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use cetak_domain::access::Role;
use cetak_domain::lifecycle::Actor;
use cetak_web::ServerConfig;
use clap::{Args as ClapArgs, Subcommand};

use super::{Context, open_store, print_json};
use crate::text::t;

#[derive(Debug, ClapArgs)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Resident lookups allowed per client address per minute (0: no limit, for load tests).
    #[arg(long, default_value_t = 30)]
    pub resident_per_minute: u32,
    /// Mark cookies Secure (when a TLS proxy is in front).
    #[arg(long)]
    pub secure_cookies: bool,
    // Sync with a centre in the background (see `cetak sync`).
    #[command(flatten)]
    pub link: super::sync::LinkArgs,
    /// Seconds between sync rounds while the link is up.
    #[arg(long, default_value_t = 60)]
    pub sync_every_s: u64,
    /// The PC/SC reader at the hand-over counter (e.g. "Virtual PCD 00 00"): the hand-over
    /// page offers to check the card's chip (needs --chip-trust).
    #[arg(long, value_name = "NAME", requires = "chip_trust")]
    pub chip_reader: Option<String>,
    // The document-signer token for "Start printing" on printers with a chip encoder, and the
    // trusted CA (also the counter's).
    #[command(flatten)]
    pub chip: super::print::ChipTokenArgs,
}

/// How long the counter's check waits for a card on the reader.
const COUNTER_CARD_WAIT: std::time::Duration = std::time::Duration::from_secs(3);

/// What "check the chip" on the hand-over page does: `cetak chip verify --reader READER --nik
/// NIK` (`cetak_office::chip::read_at_counter`), one read at a time, with the resident's
/// printed record beside the chip's DG1 as the chip would carry it.
pub fn chip_check(
    db: &Path,
    reader: String,
    trust: Vec<cetak_chip::Certificate>,
) -> cetak_web::ChipCheck {
    let db = db.to_path_buf();
    let one_reader = Arc::new(std::sync::Mutex::new(()));
    Arc::new(move |nik: &str| {
        let _one = one_reader
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        counter_check(&db, &reader, &trust, nik)
    })
}

fn counter_check(
    db: &Path,
    reader: &str,
    trust: &[cetak_chip::Certificate],
    nik: &str,
) -> Result<cetak_web::CounterChip, cetak_web::ChipProblem> {
    use cetak_office::chip::{CounterFault, KeptChip};
    let books = |e: cetak_store::StoreError| problem("store", e.to_string());
    let store = cetak_store::Store::open(db).map_err(books)?;
    let check = cetak_office::chip::read_at_counter(
        reader,
        trust,
        COUNTER_CARD_WAIT,
        Some((&store, nik)),
        time::OffsetDateTime::now_utc(),
    )
    .map_err(|e: CounterFault| problem(e.code(), e.to_string()))?;
    // The resident's printed record, as DG1 would carry it.
    let printed = store
        .records_by_nik(nik)
        .map_err(books)?
        .into_iter()
        .find(|r| r.state == cetak_domain::lifecycle::RecordState::Printed);
    let in_books = match printed {
        Some(r) => Some(cetak_chip::CardFields::from_record(
            &store.record_fields(&r.recording_id).map_err(books)?,
        )),
        None => None,
    };
    Ok(cetak_web::CounterChip {
        fields: check
            .fields
            .iter()
            .map(|(column, _, value)| cetak_web::ChipField {
                column: column.to_string(),
                on_chip: value.to_string(),
                in_books: in_books.as_ref().map(|b| b.get(column).to_string()),
            })
            .collect(),
        photo: check.media.foto,
        passive: check
            .passive
            .map(|v| cetak_chip::certs::subject_text(&v.document_signer))
            .map_err(|e| problem(e.code(), e.to_string())),
        kept: check.kept.unwrap_or(KeptChip::NoneKept),
    })
}

fn problem(code: &str, detail: String) -> cetak_web::ChipProblem {
    cetak_web::ChipProblem {
        code: code.to_string(),
        detail,
    }
}

pub fn run_serve(ctx: &Context, a: ServeArgs) -> anyhow::Result<ExitCode> {
    serve_blocking(&ctx.db, &a)?;
    Ok(ExitCode::SUCCESS)
}

/// Serve until Ctrl-C or SIGTERM; requests in flight finish first.
pub fn serve_blocking(db: &Path, a: &ServeArgs) -> anyhow::Result<()> {
    // Create and migrate the database before the first request.
    drop(open_store(db)?);
    // Held while the server runs: `cetak restore` refuses to swap the file under it.
    let _lock = super::backup::hold_server_lock(db)?;
    if let Some(centre) = a.link.centre()? {
        super::sync::background(
            db.to_path_buf(),
            centre,
            std::time::Duration::from_secs(a.sync_every_s.max(1)),
        );
    }
    let chip = a.chip.setup(std::time::Duration::from_secs(5))?;
    let counter = match &a.chip_reader {
        Some(reader) => {
            let trust = cetak_office::chip::load_trust(&a.chip.chip_trust)
                .map_err(super::print::office_error)?;
            Some(chip_check(db, reader.clone(), trust))
        }
        None => None,
    };
    let config = ServerConfig {
        db: db.to_path_buf(),
        resident_per_minute: a.resident_per_minute,
        secure_cookies: a.secure_cookies,
        // "Start printing" runs `cetak print run` on the same database, with the
        // document-signer token when the server was given one, so encoder printers print too.
        printing: Some(cetak_office::print_run::RunArgs {
            chip,
            ..cetak_office::print_run::RunArgs::default()
        }),
        ask_printers: true,
        chip_check: counter,
        dedup_after_decision: Some(cetak_dedup::Config::default()),
        connections: 4,
        // The pages speak the office's language unless a browser chooses (`?lang=`).
        english: crate::text::english(),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(&a.listen)
            .await
            .with_context(|| {
                format!(
                    "{} {}",
                    crate::text::t("membuka alamat", "listening on"),
                    a.listen
                )
            })?;
        let addr = listener.local_addr()?;
        eprintln!(
            "{} http://{addr}/  ({}: http://{addr}/cek)",
            t("Server kantor berjalan di", "Office server running at"),
            t("halaman warga", "resident page")
        );
        cetak_web::serve(config, listener, shutdown_signal()).await?;
        eprintln!(
            "{}",
            t("Server berhenti dengan rapi.", "Server stopped cleanly.")
        );
        anyhow::Ok(())
    })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account. The password comes from CETAK_PASSWORD, or one line on stdin when it
    /// is not a terminal; otherwise (or when stdin is empty) a random one is made and printed
    /// once. Names ignore case and are unique; passwords follow the policy (at least 10
    /// characters, not one character repeated, not the name, not a common password).
    Add {
        /// Login name.
        name: String,
        /// operator, supervisor or admin.
        #[arg(long, value_parser = ["operator", "supervisor", "admin"])]
        role: String,
    },
    /// The accounts.
    List,
    /// Disable an account: it cannot log in, and its sessions end at once.
    Disable {
        /// Login name (case does not matter).
        name: String,
    },
    /// Enable a disabled account.
    Enable {
        /// Login name (case does not matter).
        name: String,
    },
    /// Change an account's role.
    SetRole {
        /// Login name (case does not matter).
        name: String,
        /// operator, supervisor or admin.
        #[arg(value_parser = ["operator", "supervisor", "admin"])]
        role: String,
    },
    /// Give an account a new password and end its sessions. The password is one line on stdin
    /// when stdin is not a terminal (or CETAK_PASSWORD); otherwise (or when stdin is empty) a
    /// random one is made and printed once.
    ResetPassword {
        /// Login name (case does not matter).
        name: String,
    },
    /// End every session of an account (for example a departed operator's).
    SessionsEnd {
        /// Login name (case does not matter).
        name: String,
    },
}

/// A new password: CETAK_PASSWORD, else one line of stdin when it is not a terminal, else
/// (a terminal, or nothing on stdin) a random one. The bool: generated, to be shown once.
fn new_password(name: &str) -> anyhow::Result<(String, bool)> {
    if let Ok(p) = std::env::var("CETAK_PASSWORD") {
        return Ok((p, false));
    }
    if !std::io::stdin().is_terminal() {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        if !line.is_empty() {
            return Ok((line.trim_end_matches(['\r', '\n']).to_string(), false));
        }
    }
    Ok((cetak_web::auth::random_password_for(name), true))
}

/// Check a password against the policy (both languages in the message).
fn check_password(name: &str, password: &str) -> anyhow::Result<()> {
    cetak_web::password::check(name, password).map_err(|e| anyhow::anyhow!("{e}"))
}

/// A readable random password (17 characters) that passes the policy for any name.
pub fn random_password() -> String {
    cetak_web::auth::random_password_for("")
}

/// Create a user with a hashed password (shared with the demo).
pub fn add_user(
    store: &mut cetak_store::Store,
    name: &str,
    role: Role,
    password: &str,
    actor: &str,
) -> anyhow::Result<()> {
    check_password(name, password)?;
    let hash = cetak_web::hash_password(password).map_err(anyhow::Error::msg)?;
    let at = super::office_now(store)?;
    store.user_add(name, role, &hash, &Actor(actor.to_string()), at)?;
    Ok(())
}

/// What a `cetak user` change prints: one line, or `{"name", "done"}` with --json.
/// What was done to an account: its code in JSON, the office's words in text.
fn done(ctx: &Context, name: &str, what: &str, words: &str) -> anyhow::Result<()> {
    if ctx.json {
        print_json(&serde_json::json!({ "name": name, "done": what }))?;
    } else if let Some(role) = Role::parse(what) {
        outln!("{words} {name} ({})", super::role_word(role))?;
    } else {
        outln!("{words} {name}")?;
    }
    Ok(())
}

pub fn run_user(ctx: &Context, cmd: UserCommand) -> anyhow::Result<ExitCode> {
    let mut store = open_store(&ctx.db)?;
    let actor = Actor(ctx.actor.clone());
    match cmd {
        UserCommand::Add { name, role } => {
            let role = Role::parse(&role).context(t("peran tidak dikenal", "unknown role"))?;
            let (password, generated) = new_password(&name)?;
            add_user(&mut store, &name, role, &password, &ctx.actor)?;
            if ctx.json {
                print_json(
                    &serde_json::json!({ "name": name, "role": role, "password": generated.then_some(&password) }),
                )?;
            } else if generated {
                outln!(
                    "{} {name} ({}) — {}: {password}",
                    t("Pengguna dibuat:", "User created:"),
                    super::role_word(role),
                    t("kata sandi (catat sekarang)", "password (note it now)")
                )?;
            } else {
                outln!(
                    "{} {name} ({})",
                    t("Pengguna dibuat:", "User created:"),
                    role.as_str()
                )?;
            }
        }
        UserCommand::List => {
            let users = store.users()?;
            if ctx.json {
                print_json(&serde_json::json!({ "users": users }))?;
            } else {
                for u in users {
                    outln!(
                        "{}\t{}\t{}",
                        u.name,
                        super::role_word(u.role),
                        if u.disabled {
                            t("nonaktif", "disabled")
                        } else {
                            ""
                        }
                    )?;
                }
            }
        }
        UserCommand::Disable { name } => {
            store.user_set_disabled(&name, true, &actor, super::office_now(&store)?)?;
            done(
                ctx,
                &name,
                "disabled",
                t(
                    "Pengguna dinonaktifkan, sesinya diakhiri:",
                    "User disabled, sessions ended:",
                ),
            )?;
        }
        UserCommand::Enable { name } => {
            store.user_set_disabled(&name, false, &actor, super::office_now(&store)?)?;
            done(
                ctx,
                &name,
                "enabled",
                t("Pengguna diaktifkan:", "User enabled:"),
            )?;
        }
        UserCommand::SetRole { name, role } => {
            let role = Role::parse(&role).context(t("peran tidak dikenal", "unknown role"))?;
            store.user_set_role(&name, role, &actor, super::office_now(&store)?)?;
            done(
                ctx,
                &name,
                role.as_str(),
                t("Peran diubah:", "Role changed:"),
            )?;
        }
        UserCommand::ResetPassword { name } => {
            let (password, generated) = new_password(&name)?;
            check_password(&name, &password)?;
            let hash = cetak_web::hash_password(&password).map_err(anyhow::Error::msg)?;
            let ended = store.user_set_password(
                &name,
                &hash,
                None,
                false,
                &actor,
                super::office_now(&store)?,
            )?;
            if ctx.json {
                print_json(&serde_json::json!({
                    "name": name, "sessions_ended": ended,
                    "password": generated.then_some(&password),
                }))?;
            } else if generated {
                outln!(
                    "{} {name} — {}: {password}",
                    t(
                        "Kata sandi diatur ulang, sesinya diakhiri:",
                        "Password reset, sessions ended:"
                    ),
                    t(
                        "kata sandi baru (catat sekarang)",
                        "new password (note it now)"
                    )
                )?;
            } else {
                outln!(
                    "{} {name}",
                    t(
                        "Kata sandi diatur ulang, sesinya diakhiri:",
                        "Password reset, sessions ended:"
                    )
                )?;
            }
        }
        UserCommand::SessionsEnd { name } => {
            let ended = store.user_sessions_end(&name, &actor, super::office_now(&store)?)?;
            if ctx.json {
                print_json(&serde_json::json!({ "name": name, "sessions_ended": ended }))?;
            } else {
                outln!("{} {name}: {ended}", t("Sesi diakhiri", "Sessions ended"))?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    /// The hand-over page names a failed chip check in words: every code the counter can meet
    /// has its entry in the catalogue (`cetak_words::CHIP_PROBLEMS`).
    #[test]
    fn every_chip_problem_the_counter_can_meet_has_words() {
        use cetak_chip::{CardError, ChipError, VerifyError};
        let at = time::OffsetDateTime::UNIX_EPOCH;
        let who = || "CN=x".to_string();
        let verify = [
            VerifyError::Malformed(who()),
            VerifyError::DataGroupAltered(2),
            VerifyError::DataGroupMissing(2),
            VerifyError::DataGroupUnsigned(2),
            VerifyError::NoSignerCertificate,
            VerifyError::UnknownSigner {
                subject: who(),
                issuer: who(),
            },
            VerifyError::Expired {
                subject: who(),
                not_after: at,
            },
            VerifyError::NotYetValid {
                subject: who(),
                not_before: at,
            },
            VerifyError::CaNotValid { subject: who() },
            VerifyError::BadSignature,
            VerifyError::UnsupportedAlgorithm(who()),
        ];
        let card = [
            CardError::NoService(who()),
            CardError::NoReader(who()),
            CardError::NoCard,
            CardError::CardRemoved(0x0101),
            CardError::WriteRefused {
                fid: 0x0101,
                sw: 0x6581,
            },
            CardError::WrongCardType { atr: who() },
            CardError::Timeout(std::time::Duration::ZERO),
            CardError::Status {
                fid: 0x0101,
                sw: 0x6A82,
            },
            CardError::TooLarge {
                fid: 0x0101,
                len: 40_000,
            },
            CardError::ReadBackMismatch(0x0101),
            CardError::Verify(VerifyError::BadSignature),
            CardError::Reader(who()),
        ];
        let content = [
            ChipError::Input(who()),
            ChipError::Malformed(who()),
            ChipError::Sign(who()),
            ChipError::Crypto(who()),
        ];
        let store =
            cetak_office::chip::CounterFault::Store(cetak_store::StoreError::Corrupt("x".into()));
        let codes: Vec<&str> = verify
            .iter()
            .map(VerifyError::code)
            .chain(card.iter().map(CardError::code))
            .chain(content.iter().map(ChipError::code))
            .chain([store.code()])
            .collect();
        assert_eq!(codes.len(), 28);
        for code in codes {
            let (id, en) = cetak_words::chip_problem(code)
                .unwrap_or_else(|| panic!("no words for the chip problem {code}"));
            assert_ne!(id, en, "{code}");
        }
        // The check can fail.
        assert!(cetak_words::chip_problem("no_such_problem").is_none());
    }

    /// The page labels the chip's DG1 fields from the catalogue, like a record's columns.
    #[test]
    fn every_dg1_field_has_a_label() {
        let none: [(&str, &str); 0] = [];
        for (column, _, _) in cetak_chip::CardFields::from_record(&none).iter() {
            let (id, en) = cetak_words::label(column)
                .unwrap_or_else(|| panic!("no label for the DG1 field {column}"));
            assert!(!id.is_empty() && !en.is_empty(), "{column}");
        }
    }
}
