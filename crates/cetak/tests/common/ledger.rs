//! The physical ledger: what really happened to each blank, kept apart from cetak's books and
//! compared with them after every step.
//!
//! - the **safe** holds received blanks until the operator loads them;
//! - each printer's **hopper** holds blanks in the order the operator loaded them (as the spool
//!   told them to: the `stock_load` entries of the audit log, which `cetak print status` shows);
//! - the printer's **feed log** (written by the test printer's engine, not by cetak) says which
//!   job took the top blank; the job name says which serial the books gave it.
//!
//! `check` fails when a card went out on a blank other than the one the books name, or when the
//! books' hopper differs from the physical one.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::path::Path;

use cetak_ipp::sim::SimPrinter;
use rusqlite::Connection;

/// One card that physically left a hopper.
#[derive(Debug, Clone)]
pub struct Fed {
    /// Printer name.
    pub printer: String,
    /// The job's name (carries the books' serial and attempt).
    pub job_name: String,
    /// The blank it physically took.
    pub physical: i64,
    /// It jammed in transport.
    pub jammed: bool,
}

#[derive(Default)]
pub struct Ledger {
    safe: BTreeSet<i64>,
    hoppers: HashMap<String, VecDeque<i64>>,
    feeds_seen: HashMap<String, usize>,
    loads_seen: i64,
    pub fed: Vec<Fed>,
}

fn db(dir: &Path) -> Connection {
    Connection::open(dir.join("x.db")).expect("open db")
}

/// The serial in a job name `KTP-0000001234-A56`.
pub fn serial_of(job_name: &str) -> i64 {
    job_name
        .strip_prefix("KTP-")
        .and_then(|r| r.split_once("-A"))
        .and_then(|(s, _)| s.parse().ok())
        .unwrap_or_else(|| panic!("job name {job_name:?}"))
}

impl Ledger {
    /// Blanks delivered into the safe.
    pub fn receive(&mut self, first: i64, last: i64) {
        self.safe.extend(first..=last);
    }

    /// The operator empties a printer's hopper into the safe.
    pub fn reseat(&mut self, printer: &str) {
        if let Some(h) = self.hoppers.get_mut(printer) {
            self.safe.extend(h.drain(..));
        }
    }

    /// Follow the spool's load instructions and the printers' feed logs since the last look.
    pub fn observe(&mut self, dir: &Path, printers: &[(&str, &SimPrinter)]) {
        let conn = db(dir);
        let mut stmt = conn
            .prepare(
                "SELECT a.seq, json_extract(a.detail, '$.first'), json_extract(a.detail, '$.last'), p.name
                 FROM audit_log a JOIN printers p ON p.id = json_extract(a.detail, '$.printer_id')
                 WHERE a.action = 'stock_load' AND a.seq > ?1 ORDER BY a.seq",
            )
            .expect("prepare");
        let loads: Vec<(i64, i64, i64, String)> = stmt
            .query_map([self.loads_seen], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows");
        for (seq, first, last, printer) in loads {
            self.loads_seen = seq;
            let name = printer.split(" #").next().unwrap_or(&printer).to_string();
            let hopper = self.hoppers.entry(name.clone()).or_default();
            for s in first..=last {
                assert!(
                    self.safe.remove(&s),
                    "the spool told the operator to load blank {s} into {name}, but it is not in the safe"
                );
                hopper.push_back(s);
            }
        }
        for (name, sim) in printers {
            let log = sim.feed_log();
            let seen = self.feeds_seen.entry(name.to_string()).or_default();
            for (kind, job) in log.iter().skip(*seen) {
                let hopper = self.hoppers.entry(name.to_string()).or_default();
                let physical = hopper
                    .pop_front()
                    .unwrap_or_else(|| panic!("{name} fed {job} from an empty hopper"));
                self.fed.push(Fed {
                    printer: name.to_string(),
                    job_name: job.clone(),
                    physical,
                    jammed: kind == "jam",
                });
            }
            *seen = log.len();
        }
    }

    /// Was this job's card physically fed (and did it jam)?
    pub fn fed_job(&self, job_name: &str) -> Option<&Fed> {
        self.fed.iter().find(|f| f.job_name == job_name)
    }

    /// Compare the books with the physical world; panics naming the first difference.
    pub fn check(&self, dir: &Path) {
        let conn = db(dir);
        for f in &self.fed {
            assert_eq!(
                serial_of(&f.job_name),
                f.physical,
                "{}: job {} was printed on blank {} but the books say {}",
                f.printer,
                f.job_name,
                f.physical,
                serial_of(&f.job_name)
            );
        }
        let fed: BTreeSet<i64> = self.fed.iter().map(|f| f.physical).collect();
        for (printer, hopper) in &self.hoppers {
            let mut stmt = conn
                .prepare(
                    "SELECT b.serial, b.state FROM blanks b JOIN printers p ON p.id = b.loaded_in
                     WHERE p.name = ?1 AND b.state IN ('on_hand', 'in_print') ORDER BY b.serial",
                )
                .expect("prepare");
            let books: Vec<i64> = stmt
                .query_map([printer], |r| {
                    Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
                })
                .expect("query")
                .collect::<Result<Vec<_>, _>>()
                .expect("rows")
                .into_iter()
                .filter(|(s, _)| !fed.contains(s))
                .map(|(s, _)| s)
                .collect();
            let mut physical: Vec<i64> = hopper.iter().copied().collect();
            physical.sort_unstable();
            assert_eq!(
                books, physical,
                "hopper of {printer}: the books and the physical hopper differ"
            );
        }
        // Every physically printed, unspoiled card belongs to one record; no record has two.
        let mut per_record: HashMap<String, usize> = HashMap::new();
        for f in self.fed.iter().filter(|f| !f.jammed) {
            let (rec, attempt_state, card_state): (String, String, Option<String>) = conn
                .query_row(
                    "SELECT a.recording_id, a.state, c.state FROM print_attempts a
                     LEFT JOIN cards c ON c.serial = a.serial WHERE a.job_name = ?1",
                    [&f.job_name],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .expect("the books know every job the printer fed");
            if attempt_state == "spoiled"
                || matches!(card_state.as_deref(), Some("spoiled") | Some("revoked"))
            {
                continue;
            }
            *per_record.entry(rec).or_default() += 1;
        }
        for (rec, n) in per_record {
            assert!(n <= 1, "record {rec} has {n} good cards physically");
        }
    }
}
