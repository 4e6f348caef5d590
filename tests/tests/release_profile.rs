#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The release profile keeps unwinding. `cargo lambda build --release`, which
//! SAM runs, adds `--config profile.release.panic="abort"` unless the profile
//! sets `panic` itself; with abort, one panicking handler would kill the
//! deployed processor and fail its whole batch.

/// The value of `key` in the `[section]` table of a Cargo manifest.
fn setting(manifest: &str, section: &str, key: &str) -> Option<String> {
    let mut inside = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            inside = line == format!("[{section}]");
            continue;
        }
        if !inside || line.starts_with('#') {
            continue;
        }
        if let Some((name, value)) = line.split_once('=') {
            if name.trim() == key {
                return Some(value.trim().trim_matches('"').to_owned());
            }
        }
    }
    None
}

/// What cargo-lambda does with the profile: its own `panic` wins only when
/// the profile sets none.
fn panic_strategy_after_cargo_lambda(manifest: &str) -> String {
    setting(manifest, "profile.release", "panic").unwrap_or_else(|| "abort".to_owned())
}

#[test]
fn the_release_build_unwinds_as_cargo_lambda_builds_it() {
    let manifest =
        std::fs::read_to_string(switchboard_devkit::repo_root().join("Cargo.toml")).unwrap();
    assert_eq!(panic_strategy_after_cargo_lambda(&manifest), "unwind");
}

#[test]
fn the_check_catches_a_profile_that_would_abort() {
    let without = "[profile.release]\nlto = \"thin\"\n[profile.dev]\npanic = \"unwind\"\n";
    assert_eq!(panic_strategy_after_cargo_lambda(without), "abort");
    let aborting = "[profile.release]\npanic = \"abort\"\n";
    assert_eq!(panic_strategy_after_cargo_lambda(aborting), "abort");
    let commented = "[profile.release]\n# panic = \"unwind\"\n";
    assert_eq!(panic_strategy_after_cargo_lambda(commented), "abort");
}
