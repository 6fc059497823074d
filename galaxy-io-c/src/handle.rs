//! Live handles: what C holds is a number, looked up here, never a pointer Rust dereferences.
//! A handle that was finished or freed is gone from its registry, and numbers are never reused,
//! so a stale or forged handle is an error rather than undefined behaviour.

use crate::status::{gio_status, Failure};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// Numbers of handles of every kind, from 1 (0 is NULL).
static NEXT: AtomicUsize = AtomicUsize::new(1);

/// The live handles of one kind. Each value has a lock of its own, so that calls on different
/// handles do not wait for each other.
pub(crate) struct Registry<T> {
    kind: &'static str,
    live: Mutex<Live<T>>,
}

type Live<T> = BTreeMap<usize, Arc<Mutex<T>>>;

impl<T> Registry<T> {
    pub const fn new(kind: &'static str) -> Self {
        Registry {
            kind,
            live: Mutex::new(BTreeMap::new()),
        }
    }

    /// Registers `value`; the new handle's number.
    pub fn insert(&self, value: T) -> Result<usize, Failure> {
        let id = NEXT.fetch_add(1, Ordering::Relaxed);
        self.map()?.insert(id, Arc::new(Mutex::new(value)));
        Ok(id)
    }

    /// Runs `f` on the live value of handle `id`.
    pub fn with<R>(
        &self,
        id: usize,
        f: impl FnOnce(&mut T) -> Result<R, Failure>,
    ) -> Result<R, Failure> {
        let value = self.get(id)?;
        let mut value = value.lock().map_err(|_| self.poisoned())?;
        f(&mut value)
    }

    /// Takes handle `id` out of the registry: it is not live any more. Calls other threads are
    /// in the middle of on the handle end first (a finish waits for a write that started before
    /// it); calls that start afterwards find no live handle.
    pub fn remove(&self, id: usize) -> Result<T, Failure> {
        let mut value = self.map()?.remove(&id).ok_or_else(|| self.not_live(id))?;
        // Out of the map, no new call can reach the value: the other references belong to calls
        // in progress, each until it returns, so waiting for them ends.
        let value = loop {
            match Arc::try_unwrap(value) {
                Ok(value) => break value,
                Err(shared) => {
                    drop(shared.lock());
                    std::thread::yield_now();
                    value = shared;
                }
            }
        };
        value.into_inner().map_err(|_| self.poisoned())
    }

    fn get(&self, id: usize) -> Result<Arc<Mutex<T>>, Failure> {
        self.map()?
            .get(&id)
            .cloned()
            .ok_or_else(|| self.not_live(id))
    }

    fn map(&self) -> Result<std::sync::MutexGuard<'_, Live<T>>, Failure> {
        self.live.lock().map_err(|_| self.poisoned())
    }

    fn not_live(&self, id: usize) -> Failure {
        Failure::new(
            gio_status::GIO_INVALID_HANDLE,
            format!(
                "{id:#x} is not a live {}: it was finished or freed already, or never created",
                self.kind
            ),
        )
    }

    fn poisoned(&self) -> Failure {
        Failure::new(
            gio_status::GIO_PANIC,
            format!("the {} is unusable after an internal error", self.kind),
        )
    }
}

/// The handle number behind a C pointer; NULL is an error naming the argument.
pub(crate) fn id<T>(handle: *const T, argument: &str) -> Result<usize, Failure> {
    if handle.is_null() {
        return Err(Failure::null(argument));
    }
    Ok(handle as usize)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn removing_a_handle_waits_for_the_calls_in_progress_on_it() {
        static VALUES: Registry<Vec<u32>> = Registry::new("test value");
        let id = VALUES.insert(Vec::new()).unwrap();
        let (started, wait) = std::sync::mpsc::channel();
        let call = std::thread::spawn(move || {
            VALUES.with(id, |values| {
                started.send(()).unwrap();
                std::thread::sleep(Duration::from_millis(100));
                values.push(1);
                Ok(())
            })
        });
        wait.recv().unwrap();
        let removed = VALUES.remove(id).unwrap();
        assert_eq!(removed, [1], "the call in progress ended first");
        call.join().unwrap().unwrap();
        let after = VALUES.with(id, |_| Ok(())).unwrap_err();
        assert_eq!(after.status, gio_status::GIO_INVALID_HANDLE);
    }
}
