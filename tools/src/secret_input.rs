//! How a token or a secret reaches the CLI: on standard input (or `-`), so
//! it shows neither in `ps` nor in the shell's history. A value given on the
//! command line still works, with a warning that says why not to.

use std::io::{BufRead, IsTerminal, Write};

use crate::CliResult;

/// The positional value that means "read standard input".
pub(crate) const STDIN: &str = "-";

/// The value: `given` unless it is absent or `-`, else the first line of
/// standard input (prompting for `what` when that is a terminal).
pub(crate) fn value_or_stdin(given: Option<String>, what: &str) -> CliResult<String> {
    match given {
        Some(value) if value != STDIN => {
            warn_positional(what);
            Ok(value)
        }
        _ => read_stdin(what),
    }
}

/// Warns that `what` on the command line shows in `ps` and in the history.
pub(crate) fn warn_positional(what: &str) {
    eprintln!(
        "warning: a {what} on the command line shows in `ps` and in your shell's history; \
         pass `-` (or nothing) and give it on standard input instead"
    );
}

/// The first line of standard input, trimmed; an error when it is empty.
pub(crate) fn read_stdin(what: &str) -> CliResult<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("Paste the {what}, then press Enter: ");
        std::io::stderr().flush().ok();
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .map_err(|e| format!("could not read the {what} from standard input: {e}"))?;
    let value = line.trim();
    if value.is_empty() {
        return Err(format!("no {what} on standard input").into());
    }
    Ok(value.to_owned())
}
