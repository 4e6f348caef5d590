//! Instruction counts of one `SendMessage`, under valgrind.

use std::path::Path;

use crate::Error;

/// Instructions (valgrind's callgrind) of the SDK's `SendMessage` and of the
/// direct diagnostic: per call, and for start-up plus the first call. Unlike
/// time, instruction counts do not move with the machine's noise. Counted as
/// the difference between runs of 61 and 11 sends.
pub(crate) fn count_send_instructions(
    release: &Path,
    endpoint: &str,
    queue_url: &str,
) -> Result<(), Error> {
    let count = |program: &str, sends: u64| -> Result<u64, Error> {
        let output = std::process::Command::new("valgrind")
            .args(["--tool=callgrind", "--callgrind-out-file=/dev/null"])
            .arg(release.join(program))
            .args([endpoint, queue_url, &sends.to_string()])
            .output()?;
        if !output.status.success() {
            return Err(format!("{program}: {}", String::from_utf8_lossy(&output.stderr)).into());
        }
        let stderr = String::from_utf8_lossy(&output.stderr);
        let refs = stderr
            .lines()
            .find_map(|line| {
                line.split_once("refs:")
                    .map(|(_, n)| n.trim().replace(',', ""))
            })
            .ok_or("no instruction count from valgrind")?;
        Ok(refs.parse()?)
    };
    println!("| Client | Instructions per SendMessage | Start-up + first SendMessage |");
    println!("|---|---|---|");
    for program in ["sqs-send", "sqs-send-direct"] {
        let (few, many) = (count(program, 11)?, count(program, 61)?);
        let per_call = (many - few) / 50;
        println!(
            "| {program} | {per_call} | {} |",
            few.saturating_sub(10 * per_call)
        );
    }
    Ok(())
}
