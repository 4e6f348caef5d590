"""After `sam deploy`: say where the alarms go, and plainly when they go nowhere.

With AlarmTopicArn empty, every alarm (a lost PluralKit event among them)
changes state in CloudWatch and tells no one. `sam deploy --guided` asks for
the parameter without saying so; this prints the stack's AlarmNotifications
output after every `make deploy`, with a warning when it starts "NOBODY".

    python deploy/alarm_notice.py [STACK]

Without STACK, the stack name saved in samconfig.toml. Exits 0 either way:
a deploy without a topic is allowed, only never silent.
"""

import sys
import tomllib
from pathlib import Path

import boto3

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = "AlarmNotifications"


def stack_name():
    """The stack `sam deploy` used: the one samconfig.toml holds."""
    config = tomllib.loads((ROOT / "samconfig.toml").read_text())
    for section in ("deploy", "global"):
        name = config.get("default", {}).get(section, {}).get("parameters", {}).get("stack_name")
        if name:
            return name
    return "switchboard"


def notice(cloudformation, stack):
    """The lines to print for `stack`: where its alarms go."""
    stacks = cloudformation.describe_stacks(StackName=stack)["Stacks"]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stacks[0].get("Outputs", [])}
    where = outputs.get(OUTPUT)
    if where is None:
        return [f"stack {stack} has no {OUTPUT} output: deploy the current template"]
    if where.startswith("NOBODY"):
        rule = "!" * 72
        return [
            rule,
            f"WARNING: stack {stack}'s alarms notify NOBODY.",
            "A lost PluralKit event, a dead-lettered event or a failing function",
            "changes an alarm's state in CloudWatch and tells no one.",
            "Set AlarmTopicArn to an SNS topic (with a subscription) and deploy again.",
            rule,
        ]
    return [f"stack {stack}: {where}"]


def main():
    stack = sys.argv[1] if len(sys.argv) > 1 else stack_name()
    print("\n".join(notice(boto3.client("cloudformation"), stack)))


if __name__ == "__main__":
    main()
