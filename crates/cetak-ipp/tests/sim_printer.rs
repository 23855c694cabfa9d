//! The client against a real `ippeveprinter` card printer (cetak_ipp::sim). Each test starts its
//! own printer on its own port, so they run in parallel. A missing ippeveprinter FAILS them.

use std::thread::sleep;
use std::time::{Duration, Instant};

use cetak_ipp::sim::{Fault, SimPrinter};
use cetak_ipp::{IppError, JobState, JobStatus, PrinterClient, PrinterState};

/// A 4×4 red PNG.
const PNG: [u8; 73] = [
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x04, 0x08, 0x02, 0x00, 0x00, 0x00, 0x26, 0x93, 0x09,
    0x29, 0x00, 0x00, 0x00, 0x10, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0x00,
    0x47, 0x0c, 0xc4, 0x71, 0x00, 0xae, 0x93, 0x0f, 0xf1, 0xd0, 0x5f, 0x23, 0x9e, 0x00, 0x00, 0x00,
    0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

fn printer() -> (tempfile::TempDir, SimPrinter, PrinterClient) {
    let dir = tempfile::tempdir().expect("tempdir");
    let sim = SimPrinter::start(dir.path()).expect("start ippeveprinter");
    let client = PrinterClient::new(&sim.uri(), Duration::from_secs(2)).expect("client");
    (dir, sim, client)
}

/// Poll the job until `done` says so (or panic after `within`).
fn wait_job(
    client: &PrinterClient,
    id: i32,
    within: Duration,
    done: impl Fn(&JobStatus) -> bool,
) -> JobStatus {
    let until = Instant::now() + within;
    loop {
        let job = client
            .job(id)
            .expect("Get-Job-Attributes")
            .expect("job known");
        if done(&job) {
            return job;
        }
        assert!(Instant::now() < until, "job {id} stuck: {job:?}");
        sleep(Duration::from_millis(100));
    }
}

fn wait_final(client: &PrinterClient, id: i32) -> JobStatus {
    wait_job(client, id, Duration::from_secs(10), |j| j.state.is_final())
}

/// Whether a process (other than ippeveprinter, which names it in `-c`) runs `engine`.
fn engine_running(engine: &std::path::Path) -> bool {
    let needle = engine.to_string_lossy().into_owned();
    std::fs::read_dir("/proc")
        .expect("/proc")
        .filter_map(|e| e.ok())
        .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
        .map(|cmdline| String::from_utf8_lossy(&cmdline).into_owned())
        .any(|cmdline| cmdline.contains(&needle) && !cmdline.contains("ippeveprinter"))
}

#[test]
fn prints_a_card_and_follows_it_to_completed() {
    let (_dir, sim, client) = printer();
    let status = client.status().expect("status");
    assert_eq!(status.state, PrinterState::Idle);
    assert!(status.reasons.is_empty(), "{status:?}");
    assert_eq!(status.raw_reasons, vec!["none"]);
    assert!(status.accepting_jobs);
    assert_eq!(
        status.make_and_model.as_deref(),
        Some("Simulated CR80 Card Printer")
    );
    assert_eq!(status.media_ready, vec![cetak_ipp::sim::CR80_MEDIA]);

    let name = "BLANK-000001.att-1";
    let job = client
        .submit(name, PNG.to_vec(), "image/png")
        .expect("Print-Job");
    // ippeveprinter answers as soon as the document is spooled, before it is printed.
    assert!(!job.state.is_final(), "{job:?}");
    assert_eq!(job.job_name.as_deref(), Some(name));
    let uuid = job.job_uuid.clone().expect("submit confirms the job-uuid");
    assert!(uuid.starts_with("urn:uuid:"), "{uuid}");

    let done = wait_final(&client, job.job_id);
    assert_eq!(done.state, JobState::Completed, "{done:?}");
    assert_eq!(done.job_uuid.as_deref(), Some(uuid.as_str()));
    assert!(done.has_reason("job-completed-successfully"), "{done:?}");
    assert_eq!(done.impressions_completed, Some(1));

    let printed = sim.printed();
    let bare_uuid = uuid.trim_start_matches("urn:uuid:");
    assert_eq!(printed, vec![format!("{name}__{bare_uuid}.png")]);
    let bytes = std::fs::read(sim.out_dir().join(&printed[0])).expect("printed file");
    assert_eq!(bytes, PNG);

    let jobs = client.jobs().expect("Get-Jobs");
    assert!(
        jobs.iter()
            .any(|j| j.job_uuid.as_deref() == Some(uuid.as_str()) && j.state == JobState::Completed),
        "{jobs:?}"
    );
    assert_eq!(client.status().expect("status").state, PrinterState::Idle);
}

#[test]
fn jam_aborts_the_job_with_media_jam() {
    let (_dir, sim, client) = printer();
    sim.set_fault(Fault::Jam);
    let job = client
        .submit("BLANK-000002.att-1", PNG.to_vec(), "image/png")
        .expect("Print-Job");
    let done = wait_final(&client, job.job_id);
    assert_eq!(done.state, JobState::Aborted, "{done:?}");
    let status = client.status().expect("status");
    // ippeveprinter puts the engine's reason on the printer (`media-jam-report`, kept until a
    // job succeeds) and aborts the job with `aborted-by-system`.
    assert!(status.has_reason("media-jam"), "{status:?}");
    assert!(done.has_reason("aborted-by-system"), "{done:?}");
    assert_eq!(done.impressions_completed, Some(0));
    assert!(sim.printed().is_empty());

    // Cleared: the next card prints and the jam is gone.
    sim.set_fault(Fault::None);
    let next = client
        .submit("BLANK-000003.att-1", PNG.to_vec(), "image/png")
        .expect("Print-Job");
    assert_eq!(wait_final(&client, next.job_id).state, JobState::Completed);
    let status = client.status().expect("status");
    assert!(!status.has_reason("media-jam"), "{status:?}");
    assert_eq!(sim.printed().len(), 1);
}

#[test]
fn open_cover_aborts_the_job_with_cover_open() {
    let (_dir, sim, client) = printer();
    sim.set_fault(Fault::CoverOpen);
    let job = client
        .submit("BLANK-000004.att-1", PNG.to_vec(), "image/png")
        .expect("Print-Job");
    let done = wait_final(&client, job.job_id);
    assert_eq!(done.state, JobState::Aborted, "{done:?}");
    let status = client.status().expect("status");
    assert!(status.has_reason("cover-open"), "{status:?}");
    assert!(done.has_reason("aborted-by-system"), "{done:?}");
    assert!(sim.printed().is_empty());
}

#[test]
fn empty_hopper_is_reported_and_holds_jobs_until_refilled() {
    let (_dir, sim, client) = printer();
    sim.set_media_empty(true);
    let status = client.status().expect("status");
    assert!(status.has_reason("media-empty"), "{status:?}");
    // ippeveprinter keeps accepting jobs with an empty hopper…
    assert!(status.accepting_jobs, "{status:?}");
    let job = client
        .submit("BLANK-000005.att-1", PNG.to_vec(), "image/png")
        .expect("Print-Job is accepted with an empty hopper");
    // …and holds them in `processing` (the engine is not started) until media is loaded.
    sleep(Duration::from_millis(1500));
    let held = client.job(job.job_id).expect("job").expect("known");
    assert_eq!(held.state, JobState::Processing, "{held:?}");
    let status = client.status().expect("status");
    assert!(
        status.has_reason("media-empty") && status.has_reason("media-needed"),
        "{status:?}"
    );
    assert!(sim.printed().is_empty());

    sim.set_media_empty(false);
    let done = wait_final(&client, job.job_id);
    assert_eq!(done.state, JobState::Completed, "{done:?}");
    assert_eq!(sim.printed().len(), 1);
    assert!(!client.status().expect("status").has_reason("media-empty"));
}

#[test]
fn killed_and_restarted_printer_forgets_the_job_and_reuses_its_id() {
    let (_dir, mut sim, client) = printer();
    sim.set_fault(Fault::Slow(30));
    let first = client
        .submit("BLANK-000006.att-1", PNG.to_vec(), "image/png")
        .expect("Print-Job");
    let first_uuid = first.job_uuid.clone().expect("uuid");
    wait_job(&client, first.job_id, Duration::from_secs(5), |j| {
        j.state == JobState::Processing
    });
    let engine = sim.dir().join("sim/card-engine.sh");
    let until = Instant::now() + Duration::from_secs(5);
    while !engine_running(&engine) {
        assert!(Instant::now() < until, "card engine never started");
        sleep(Duration::from_millis(50));
    }

    sim.kill();
    // The whole process group died: no card engine is left to print the card later. (SIGKILL
    // is delivered at once but a loaded machine may take a moment to reap the processes.)
    let until = Instant::now() + Duration::from_secs(3);
    while engine_running(&engine) && Instant::now() < until {
        sleep(Duration::from_millis(50));
    }
    assert!(!engine_running(&engine), "card engine survived the kill");
    // Printer down: nothing can be delivered, and the error says so.
    for err in [
        client.status().expect_err("printer is down"),
        client
            .submit("BLANK-000007.att-1", PNG.to_vec(), "image/png")
            .expect_err("printer is down"),
    ] {
        assert!(matches!(err, IppError::Unreachable(_)), "{err:?}");
        assert!(err.request_certainly_not_delivered());
        assert!(!err.job_may_exist());
    }

    sim.set_fault(Fault::None);
    sim.restart().expect("restart");
    match client.job(first.job_id).expect("Get-Job-Attributes") {
        None => {}
        Some(other) => assert_ne!(other.job_uuid.as_deref(), Some(first_uuid.as_str())),
    }
    let jobs = client.jobs().expect("Get-Jobs");
    assert!(
        jobs.iter()
            .all(|j| j.job_uuid.as_deref() != Some(first_uuid.as_str())),
        "{jobs:?}"
    );

    // Job ids start again at 1: the old id now names a different job.
    let second = client
        .submit("BLANK-000006.att-2", PNG.to_vec(), "image/png")
        .expect("Print-Job after restart");
    assert_eq!(second.job_id, first.job_id);
    assert_ne!(second.job_uuid.as_deref(), Some(first_uuid.as_str()));
    let done = wait_final(&client, second.job_id);
    assert_eq!(done.state, JobState::Completed);
    // The killed engine never printed the first card.
    let printed = sim.printed();
    assert_eq!(printed.len(), 1, "{printed:?}");
    assert!(
        printed[0].starts_with("BLANK-000006.att-2__"),
        "{printed:?}"
    );
}

#[test]
fn slow_printer_answers_print_job_at_once_and_stays_responsive() {
    let (_dir, sim, client) = printer();
    sim.set_fault(Fault::Slow(3));
    let job = client
        .submit("BLANK-000008.att-1", PNG.to_vec(), "image/png")
        .expect("Print-Job returns before printing, within the 2 s timeout");
    sleep(Duration::from_millis(2200));
    // Longer than the request timeout, and still printing; the printer answers meanwhile.
    let status = client.status().expect("status while printing");
    assert_eq!(status.state, PrinterState::Processing, "{status:?}");
    let running = client.job(job.job_id).expect("job").expect("known");
    assert_eq!(running.state, JobState::Processing, "{running:?}");
    assert!(sim.printed().is_empty());
    let done = wait_final(&client, job.job_id);
    assert_eq!(done.state, JobState::Completed);
    assert_eq!(sim.printed().len(), 1);
}

#[test]
fn unsupported_document_format_is_refused() {
    let (_dir, sim, client) = printer();
    let err = client
        .submit("BLANK-000009.att-1", b"hello".to_vec(), "text/x-card")
        .expect_err("format not supported");
    match &err {
        // ippeveprinter says client-error-attributes-or-values-not-supported (0x040B) where
        // RFC 8011 suggests client-error-document-format-not-supported (0x040A).
        IppError::Refused { status, .. } => assert!(
            [cetak_ipp::STATUS_DOCUMENT_FORMAT_NOT_SUPPORTED, 0x040B].contains(status),
            "{err}"
        ),
        other => panic!("{other:?}"),
    }
    assert!(!err.job_may_exist());
    assert!(client.jobs().expect("Get-Jobs").is_empty());
    assert!(client.job(1).expect("Get-Job-Attributes").is_none());
    drop(sim);
}

/// `ipps://` with the printer's certificate pinned: the card goes over TLS (ippeveprinter logs
/// the encrypted session) and comes out of the engine byte for byte.
#[test]
fn prints_a_card_over_ipps_to_the_pinned_certificate() {
    let (_dir, sim, _plain) = printer();
    let uri = sim.ipps_uri().expect("the printer's certificate");
    assert!(uri.starts_with("ipps://localhost:"), "{uri}");
    let client = PrinterClient::new(&uri, Duration::from_secs(10)).expect("ipps client");
    assert!(
        client.printer_uri().starts_with("ipps://"),
        "{}",
        client.printer_uri()
    );
    assert_eq!(
        client.status().expect("status over TLS").state,
        PrinterState::Idle
    );

    let name = "BLANK-000009.att-9";
    let job = client
        .submit(name, PNG.to_vec(), "image/png")
        .expect("Print-Job over TLS");
    let done = wait_final(&client, job.job_id);
    assert_eq!(done.state, JobState::Completed, "{done:?}");
    let uuid = done.job_uuid.clone().expect("job-uuid");
    let printed = sim.printed();
    let bare_uuid = uuid.trim_start_matches("urn:uuid:");
    assert_eq!(printed, vec![format!("{name}__{bare_uuid}.png")]);
    assert_eq!(
        std::fs::read(sim.out_dir().join(&printed[0])).expect("printed file"),
        PNG
    );
    let log = std::fs::read_to_string(sim.log_path()).expect("printer.log");
    assert!(log.contains("Connection now encrypted"), "{log}");
}

/// Another certificate than the pinned one (here: the right printer, a wrong pin) is refused in
/// the handshake — nothing sent, so "certainly not delivered" — and the error names the
/// certificate the printer presented, for a person to compare; no job reaches the printer.
#[test]
fn ipps_refuses_a_printer_whose_certificate_is_not_the_pinned_one() {
    let (_dir, sim, plain) = printer();
    let real = sim.certificate_sha256().expect("certificate");
    let mut wrong = real.clone().into_bytes();
    wrong[0] = if wrong[0] == b'0' { b'1' } else { b'0' };
    let wrong = String::from_utf8(wrong).expect("hex");
    let client = PrinterClient::new(
        &format!("ipps://localhost:{}/ipp/print#sha256={wrong}", sim.port()),
        Duration::from_secs(10),
    )
    .expect("client");
    let err = client
        .submit("BLANK-000010.att-10", PNG.to_vec(), "image/png")
        .expect_err("untrusted printer");
    assert!(matches!(err, IppError::Untrusted(_)), "{err:?}");
    assert!(err.request_certainly_not_delivered());
    assert!(!err.job_may_exist());
    assert!(err.to_string().contains(&real), "names what it saw: {err}");
    assert!(plain.jobs().expect("Get-Jobs").is_empty(), "no job arrived");

    // Plain IPP to a TLS-only expectation is no way around it: a pin on ipp:// is refused.
    let err = PrinterClient::new(
        &format!("ipp://localhost:{}/ipp/print#sha256={real}", sim.port()),
        Duration::from_secs(10),
    )
    .expect_err("pin on plain ipp");
    assert!(matches!(err, IppError::BadUri(_)), "{err:?}");
}
