//! `runtime-bench`: a loopback implementation of the Lambda Runtime API that
//! drives function binaries the way Lambda does, and measures, side by side in
//! one run: CPU per warm invocation, cold start and peak RSS. See
//! [`switchboard_bench::harness`].

use clap::Parser;
use switchboard_bench::harness::{run, HarnessArgs};
use switchboard_bench::Error;

#[tokio::main]
async fn main() -> Result<(), Error> {
    run(HarnessArgs::parse()).await
}
