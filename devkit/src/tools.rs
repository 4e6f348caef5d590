//! The pinned development tools (moto, cargo-lambda, cfn-lint, SAM's CLI),
//! installed on first use the way `make` installs them, so that a plain
//! `cargo test --workspace` works on a fresh clone. The install runs once,
//! under a lock file: test binaries run in parallel, and each may be the
//! first to need moto.

use std::fs::File;
use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

use crate::fixtures::repo_root;

/// Installs the pinned tools into `.venv/` with `make tools`, unless they are
/// there already.
///
/// # Panics
/// When the install fails: nothing that needs the tools can run, and the
/// message says what to run by hand.
pub fn ensure_installed() {
    static DONE: OnceLock<()> = OnceLock::new();
    DONE.get_or_init(|| {
        let root = repo_root();
        if installed(&root) {
            return;
        }
        std::fs::create_dir_all(root.join(".dev"))
            .unwrap_or_else(|error| panic!("cannot create .dev/ for the install lock: {error}"));
        let lock = File::create(root.join(".dev/tools.lock"))
            .unwrap_or_else(|error| panic!("cannot create the install lock: {error}"));
        lock.lock()
            .unwrap_or_else(|error| panic!("cannot take the install lock: {error}"));
        // Another test binary may have installed them while this one waited.
        if !installed(&root) {
            eprintln!("installing the pinned development tools (make tools), once");
            let status = Command::new("make")
                .arg("-C")
                .arg(&root)
                .arg("tools")
                .status()
                .unwrap_or_else(|error| panic!("cannot run `make tools`: {error}"));
            assert!(
                status.success(),
                "`make tools` failed: run it by hand to see why"
            );
        }
        // Dropping the file releases the lock.
    });
}

/// True when `make tools` has completed (its stamp file exists).
fn installed(root: &Path) -> bool {
    std::fs::read_dir(root.join(".venv")).is_ok_and(|entries| {
        entries.flatten().any(|entry| {
            entry
                .file_name()
                .to_string_lossy()
                .starts_with(".installed-moto")
        })
    })
}
