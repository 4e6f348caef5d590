"""`make deploy-code`: the cargo-lambda path for quick code updates.

SAM creates the infrastructure once (`make deploy`). After that, this builds
the stack's functions (ingest, the processor, and the watchdog unless its
schedule is Disabled) with cargo-lambda and uploads each to the function the stack
made for it, found from the stack's outputs: no CloudFormation change, no
`sam deploy`.

    python deploy/deploy_code.py STACK [--arch arm64|x86_64]

AWS credentials, region and profile come from the usual environment.
"""

import argparse
import subprocess
import sys

import boto3

# (cargo binary, the stack output naming its function)
FUNCTIONS = (("ingest", "IngestFunctionName"), ("processor", "ProcessorFunctionName"))
# Only in a stack whose WatchdogSchedule is not Disabled.
OPTIONAL_FUNCTIONS = (("watchdog", "WatchdogFunctionName"),)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stack")
    parser.add_argument("--arch", choices=("arm64", "x86_64"), default="arm64")
    args = parser.parse_args()
    stacks = boto3.client("cloudformation").describe_stacks(StackName=args.stack)["Stacks"]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}
    missing = [key for _, key in FUNCTIONS if key not in outputs]
    if missing:
        sys.exit(f"stack {args.stack} has no {', '.join(missing)} output: deploy it with `make deploy` first")
    functions = FUNCTIONS + tuple(f for f in OPTIONAL_FUNCTIONS if f[1] in outputs)
    arch_flag = "--arm64" if args.arch == "arm64" else "--x86-64"
    binaries = [flag for binary, _ in functions for flag in ("--bin", binary)]
    run(["cargo", "lambda", "build", "--release", arch_flag, *binaries])
    for binary, key in functions:
        run(["cargo", "lambda", "deploy", "--binary-name", binary, outputs[key]])


def run(command):
    print("+", " ".join(command), flush=True)
    subprocess.run(command, check=True)


if __name__ == "__main__":
    main()
