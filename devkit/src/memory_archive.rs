//! An in-memory [`ArchiveStore`] for unit tests of the processor: it keeps
//! every object it is given, and refuses the keys it is told to.

use std::sync::Mutex;

use async_trait::async_trait;
use switchboard::archive::{ArchiveError, ArchiveStore};

/// Objects by key, in the order they were written.
#[derive(Debug, Default)]
pub struct MemoryArchive {
    objects: Mutex<Vec<(String, Vec<u8>)>>,
    refuse: Option<String>,
}

impl MemoryArchive {
    /// An archive that takes every object.
    pub fn new() -> Self {
        Self::default()
    }

    /// An archive that refuses every key containing `part` (and takes the rest).
    pub fn refusing(part: &str) -> Self {
        Self {
            objects: Mutex::default(),
            refuse: Some(part.to_owned()),
        }
    }

    /// The objects written so far, as `(key, bytes)`.
    pub fn objects(&self) -> Vec<(String, Vec<u8>)> {
        self.objects
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

#[async_trait]
impl ArchiveStore for MemoryArchive {
    async fn put(&self, key: &str, object: Vec<u8>) -> Result<(), ArchiveError> {
        if self
            .refuse
            .as_deref()
            .is_some_and(|part| key.contains(part))
        {
            return Err(ArchiveError("AccessDenied (in memory)".into()));
        }
        self.objects
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push((key.to_owned(), object));
        Ok(())
    }
}
