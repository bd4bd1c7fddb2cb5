//! The browser's copy of everything: sweeps, finished trials, every
//! finished epoch and the data-set files a sweep trains on, in IndexedDB.
//! Each write is one transaction, so a reload never sees half of one.

use idb::{
    Database, DatabaseEvent, Factory, KeyPath, KeyRange, ObjectStoreParams, Query, TransactionMode,
};
use js_sys::{Object, Reflect, Uint8Array};
use serde::{Deserialize, Serialize};
use wasm_bindgen::{JsCast, JsValue};

use sweeplab_core::data::ProvidedFile;
use sweeplab_core::record::{EpochMetrics, TrialRecord, parse_line};

use crate::sweep_entry::SweepEntry;
use sweeplab_core::journal::Journal;

/// Database name.
pub const DB_NAME: &str = "sweeplab";
/// Schema version: bump it and add a step to [`upgrade`] when stores change.
pub const DB_VERSION: u32 = 1;

const SWEEPS: &str = "sweeps";
const TRIALS: &str = "trials";
const EPOCHS: &str = "epochs";
const FILES: &str = "files";

/// Why a storage operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// IndexedDB refused or failed an operation (quota, a closed
    /// database, a blocked upgrade).
    #[error("browser storage ({action}): {detail}")]
    Storage {
        /// What was being done ("save trial", "read").
        action: &'static str,
        /// What IndexedDB said.
        detail: String,
    },
    /// The database did not open (private mode, storage turned off).
    #[error("browser storage is not open")]
    NotOpen,
    /// The sweep an update is for is no longer stored.
    #[error("browser storage: sweep {0} is gone")]
    SweepGone(String),
    /// A stored data-set file of a sweep does not read (training on the
    /// rest would silently train on less).
    #[error("browser storage: data-set file row {row} of sweep {sweep} does not read")]
    BadFile {
        /// The sweep's key.
        sweep: String,
        /// The row's 1-based position.
        row: usize,
    },
}

/// The result of a storage operation.
pub type StoreResult<T> = Result<T, StoreError>;

fn err(action: &'static str) -> impl Fn(idb::Error) -> StoreError {
    move |e| StoreError::Storage {
        action,
        detail: e.to_string(),
    }
}

/// Create or migrate the stores from `old` to [`DB_VERSION`].
fn upgrade(db: &Database, old: u32) {
    if old < 1 {
        let mut keyed = ObjectStoreParams::new();
        keyed.key_path(Some(KeyPath::new_single("key")));
        db.create_object_store(SWEEPS, keyed.clone())
            .expect("new store");
        // Rows are keyed `<sweep key>/<...>` and read by key range, so no
        // index is needed (databases from earlier builds keep an unused one).
        for name in [TRIALS, EPOCHS, FILES] {
            db.create_object_store(name, keyed.clone())
                .expect("new store");
        }
    }
}

/// Open (creating or upgrading) the database.
pub async fn open() -> StoreResult<Database> {
    let factory = Factory::new().map_err(err("open"))?;
    let mut request = factory
        .open(DB_NAME, Some(DB_VERSION))
        .map_err(err("open"))?;
    request.on_upgrade_needed(|event| {
        let old = event.old_version().unwrap_or(0);
        if let Ok(db) = event.database() {
            upgrade(&db, old);
        }
    });
    request.await.map_err(err("open"))
}

fn row(key: &str, sweep: &str, json: &str) -> JsValue {
    let obj = Object::new();
    let _ = Reflect::set(&obj, &"key".into(), &key.into());
    let _ = Reflect::set(&obj, &"sweep".into(), &sweep.into());
    let _ = Reflect::set(&obj, &"json".into(), &json.into());
    obj.into()
}

fn json_of(value: &JsValue) -> Option<String> {
    Reflect::get(value, &"json".into()).ok()?.as_string()
}

/// Keys `sweep/...` of one sweep's rows.
fn prefix_range(sweep: &str) -> StoreResult<KeyRange> {
    KeyRange::bound(
        &format!("{sweep}/").into(),
        &format!("{sweep}/\u{ffff}").into(),
        None,
        None,
    )
    .map_err(err("range"))
}

/// Save a sweep (new or edited) and, when given, its data-set files, in one
/// transaction.
pub async fn put_sweep(
    db: &Database,
    entry: &SweepEntry,
    files: &[ProvidedFile],
) -> StoreResult<()> {
    let tx = db
        .transaction(&[SWEEPS, FILES], TransactionMode::ReadWrite)
        .map_err(err("save sweep"))?;
    let sweeps = tx.object_store(SWEEPS).map_err(err("save sweep"))?;
    let json = serde_json::to_string(entry).expect("entries serialise");
    sweeps
        .put(&row(&entry.key, &entry.key, &json), None)
        .map_err(err("save sweep"))?;
    let store = tx.object_store(FILES).map_err(err("save files"))?;
    for file in files {
        let obj = row(
            &format!("{}/{}", entry.key, file.name),
            &entry.key,
            &file.name,
        );
        let bytes = Uint8Array::from(file.bytes.as_slice());
        let _ = Reflect::set(&obj, &"bytes".into(), &bytes);
        store.put(&obj, None).map_err(err("save files"))?;
    }
    tx.commit()
        .map_err(err("save sweep"))?
        .await
        .map_err(err("save sweep"))?;
    Ok(())
}

/// Every sweep, newest first.
pub async fn sweeps(db: &Database) -> StoreResult<Stored<SweepEntry>> {
    let tx = db
        .transaction(&[SWEEPS], TransactionMode::ReadOnly)
        .map_err(err("list sweeps"))?;
    let rows = tx
        .object_store(SWEEPS)
        .map_err(err("list sweeps"))?
        .get_all(None, None)
        .map_err(err("list sweeps"))?
        .await
        .map_err(err("list sweeps"))?;
    let mut stored: Stored<SweepEntry> = Stored::read("sweep", &rows, |n, json| {
        serde_json::from_str(json).map_err(|e| format!("browser storage: sweep row {n}: {e}"))
    });
    stored
        .items
        .sort_by_key(|e| std::cmp::Reverse(e.created_ms));
    Ok(stored)
}

/// Rows of one sweep in a store, in key order.
async fn rows_of(db: &Database, store: &str, sweep: &str) -> StoreResult<Vec<JsValue>> {
    let tx = db
        .transaction(&[store], TransactionMode::ReadOnly)
        .map_err(err("read"))?;
    let rows = tx
        .object_store(store)
        .map_err(err("read"))?
        .get_all(Some(Query::from(prefix_range(sweep)?)), None)
        .map_err(err("read"))?
        .await
        .map_err(err("read"))?;
    Ok(rows)
}

/// Rows read from the store: those that read, and one line for each row
/// that did not (a newer sweeplab's row, a damaged one), which stays stored
/// untouched.
#[derive(Debug)]
pub struct Stored<T> {
    /// The rows that read.
    pub items: Vec<T>,
    /// Why each other row did not read.
    pub unreadable: Vec<String>,
    /// What the rows are, for messages ("trial record", "sweep").
    what: &'static str,
}

impl<T> Stored<T> {
    /// Each row's JSON read by `parse` (given the row's 1-based position).
    fn read(
        what: &'static str,
        rows: &[JsValue],
        parse: impl Fn(usize, &str) -> Result<T, String>,
    ) -> Self {
        let mut stored = Self {
            items: Vec::new(),
            unreadable: Vec::new(),
            what,
        };
        for (i, row) in rows.iter().enumerate() {
            let n = i + 1;
            let parsed = json_of(row)
                .ok_or_else(|| format!("browser storage: {what} row {n} is empty"))
                .and_then(|json| parse(n, &json));
            match parsed {
                Ok(item) => stored.items.push(item),
                Err(why) => stored.unreadable.push(why),
            }
        }
        stored
    }

    /// One line for the user when some rows did not read.
    pub fn problem(&self) -> Option<String> {
        let first = self.unreadable.first()?;
        let what = self.what;
        Some(match self.unreadable.len() {
            1 => format!("a stored {what} could not be read and was left as it is: {first}"),
            n => format!(
                "{n} stored {what}s could not be read and were left as they are; the first: {first}"
            ),
        })
    }
}

/// The trial records of a sweep, in trial order.
pub async fn trials(db: &Database, sweep: &str) -> StoreResult<Stored<TrialRecord>> {
    let rows = rows_of(db, TRIALS, sweep).await?;
    let mut stored = Stored::read("trial record", &rows, |n, json| {
        parse_line(&format!("browser storage/{sweep}"), n, json).map_err(|e| e.to_string())
    });
    stored.items.sort_by_key(|r| r.trial_index);
    Ok(stored)
}

/// A finished epoch of a trial still running (kept so a reload can show it).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct StoredEpoch {
    /// Trial id.
    pub trial_id: String,
    /// Trial index.
    pub trial_index: usize,
    /// The epoch's metrics.
    pub metrics: EpochMetrics,
}

/// Save one finished epoch.
pub async fn put_epoch(db: &Database, sweep: &str, epoch: &StoredEpoch) -> StoreResult<()> {
    let tx = db
        .transaction(&[EPOCHS], TransactionMode::ReadWrite)
        .map_err(err("save epoch"))?;
    let key = format!("{sweep}/{}/{:05}", epoch.trial_id, epoch.metrics.epoch);
    let json = serde_json::to_string(epoch).expect("epochs serialise");
    tx.object_store(EPOCHS)
        .map_err(err("save epoch"))?
        .put(&row(&key, sweep, &json), None)
        .map_err(err("save epoch"))?;
    tx.commit()
        .map_err(err("save epoch"))?
        .await
        .map_err(err("save epoch"))?;
    Ok(())
}

/// Every stored epoch of a sweep.
pub async fn epochs(db: &Database, sweep: &str) -> StoreResult<Stored<StoredEpoch>> {
    let rows = rows_of(db, EPOCHS, sweep).await?;
    Ok(Stored::read("epoch", &rows, |n, json| {
        serde_json::from_str(json)
            .map_err(|e| format!("browser storage: epoch row {n} of sweep {sweep}: {e}"))
    }))
}

/// Save a finished trial's record (and drop its per-epoch rows, now inside
/// the record) in one transaction.
pub async fn put_trial(db: &Database, sweep: &str, record: &TrialRecord) -> StoreResult<()> {
    let tx = db
        .transaction(&[TRIALS, EPOCHS], TransactionMode::ReadWrite)
        .map_err(err("save trial"))?;
    let key = format!("{sweep}/{}", record.trial_id);
    tx.object_store(TRIALS)
        .map_err(err("save trial"))?
        .put(&row(&key, sweep, &record.to_json_line()), None)
        .map_err(err("save trial"))?;
    let range = KeyRange::bound(
        &format!("{key}/").into(),
        &format!("{key}/\u{ffff}").into(),
        None,
        None,
    )
    .map_err(err("save trial"))?;
    tx.object_store(EPOCHS)
        .map_err(err("save trial"))?
        .delete(Query::from(range))
        .map_err(err("save trial"))?;
    tx.commit()
        .map_err(err("save trial"))?
        .await
        .map_err(err("save trial"))?;
    Ok(())
}

/// Save an imported sweep and its records in one transaction (all or nothing).
pub async fn put_import(
    db: &Database,
    entry: &SweepEntry,
    records: &[TrialRecord],
) -> StoreResult<()> {
    let tx = db
        .transaction(&[SWEEPS, TRIALS], TransactionMode::ReadWrite)
        .map_err(err("import"))?;
    let json = serde_json::to_string(entry).expect("entries serialise");
    tx.object_store(SWEEPS)
        .map_err(err("import"))?
        .put(&row(&entry.key, &entry.key, &json), None)
        .map_err(err("import"))?;
    let store = tx.object_store(TRIALS).map_err(err("import"))?;
    let sweep = &entry.key;
    for record in records {
        let key = format!("{sweep}/{}", record.trial_id);
        store
            .put(&row(&key, sweep, &record.to_json_line()), None)
            .map_err(err("import"))?;
    }
    tx.commit()
        .map_err(err("import"))?
        .await
        .map_err(err("import"))?;
    Ok(())
}

/// The data-set files saved with a sweep.
pub async fn files(db: &Database, sweep: &str) -> StoreResult<Vec<ProvidedFile>> {
    rows_of(db, FILES, sweep)
        .await?
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let file = (|| {
                let name = json_of(row)?;
                let bytes = Reflect::get(row, &"bytes".into()).ok()?;
                let bytes: Uint8Array = bytes.dyn_into().ok()?;
                Some(ProvidedFile {
                    name,
                    bytes: bytes.to_vec(),
                })
            })();
            file.ok_or_else(|| StoreError::BadFile {
                sweep: sweep.to_string(),
                row: i + 1,
            })
        })
        .collect()
}

/// Update only the journal of a sweep.
pub async fn put_journal(db: &Database, sweep: &str, journal: &Journal) -> StoreResult<()> {
    let entries = sweeps(db).await?;
    let Some(mut entry) = entries.items.into_iter().find(|e| e.key == sweep) else {
        return Err(StoreError::SweepGone(sweep.to_string()));
    };
    entry.journal = journal.clone();
    put_sweep(db, &entry, &[]).await
}

/// Delete a sweep and everything stored with it, in one transaction.
pub async fn delete_sweep(db: &Database, sweep: &str) -> StoreResult<()> {
    let tx = db
        .transaction(&[SWEEPS, TRIALS, EPOCHS, FILES], TransactionMode::ReadWrite)
        .map_err(err("delete"))?;
    tx.object_store(SWEEPS)
        .map_err(err("delete"))?
        .delete(Query::from(JsValue::from_str(sweep)))
        .map_err(err("delete"))?;
    for store in [TRIALS, EPOCHS, FILES] {
        tx.object_store(store)
            .map_err(err("delete"))?
            .delete(Query::from(prefix_range(sweep)?))
            .map_err(err("delete"))?;
    }
    tx.commit()
        .map_err(err("delete"))?
        .await
        .map_err(err("delete"))?;
    Ok(())
}
