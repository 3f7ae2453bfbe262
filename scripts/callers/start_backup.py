#!/usr/bin/env python3
"""Backs up a VM through vmbackup from Python, as another service would: no vmbackup code, only Temporal.

Starts the workflow type BackupWorkflow by name on vmbackup's task queue with a plain JSON object as its
input, waits for it, checks the result against docs/schemas/BackupResult.schema.json and prints it as
one JSON object. The input is checked against BackupRequest.schema.json before anything starts. On any
failure it prints one line on stderr (the workflow's own error where there is one) and exits 1.

    start_backup.py --address 127.0.0.1:7233 '{"domain": "vm-001", "host": "hv1"}'

Needs the temporalio and jsonschema packages: scripts/install-python-callers.sh installs them.
"""

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path

import jsonschema
from temporalio.client import Client, WorkflowFailureError
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, CancelledError, WorkflowAlreadyStartedError
from temporalio.exceptions import TimeoutError as WorkflowTimeoutError
from temporalio.service import RPCError

PROG = "start_backup"
SCHEMAS = Path(__file__).resolve().parent.parent.parent / "docs" / "schemas"
# vmbackup's workflows run on this shared queue (TaskQueues.WORKFLOWS in the Java code).
WORKFLOWS_TASK_QUEUE = "vmbackup"


class CallerError(Exception):
    """A failure reported as one line."""


def parse_arguments(argv):
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.split("\n\n")[0])
    parser.add_argument("input", help="the BackupRequest as a JSON object, e.g. '{\"domain\":\"vm-001\",\"host\":\"hv1\"}'")
    parser.add_argument("--address", default="localhost:7233", help="Temporal frontend HOST:PORT")
    parser.add_argument("--namespace", default="default")
    parser.add_argument("--task-queue", default=WORKFLOWS_TASK_QUEUE)
    parser.add_argument("--workflow-id", help="default: backup-<host>-<domain> (host 'default' when the input names none), the id "
                        "vmbackup's own starters use, "
                        "so that Temporal refuses a second backup of a VM while one runs")
    parser.add_argument("--schemas", type=Path, default=SCHEMAS, help="directory of the published JSON Schemas")
    parser.add_argument("--timeout", type=float, help="give up waiting after this many seconds")
    return parser.parse_args(argv)


def load_schema(directory, name):
    path = directory / f"{name}.schema.json"
    try:
        schema = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise CallerError(f"cannot read the schema {path}: {error}") from error
    validator_class = jsonschema.validators.validator_for(schema)
    try:
        validator_class.check_schema(schema)
    except jsonschema.exceptions.SchemaError as error:
        raise CallerError(f"{path} is not a valid JSON Schema: {error.message}") from error
    return validator_class(schema)


def check(validator, document, what):
    """Raises CallerError naming the first place where document does not match the schema."""
    error = jsonschema.exceptions.best_match(validator.iter_errors(document))
    if error is not None:
        where = "/".join(str(part) for part in error.absolute_path) or "(top level)"
        raise CallerError(f"{what} does not match {validator.schema.get('title')}.schema.json at {where}: {error.message}")


def workflow_error(failure):
    """The most specific words of a failed workflow: its innermost application error's message."""
    message = None
    cancelled = timed_out = False
    cause = failure.cause
    while cause is not None:
        if isinstance(cause, ApplicationError):
            message = cause.message
        elif isinstance(cause, CancelledError):
            cancelled = True
        elif isinstance(cause, WorkflowTimeoutError):
            timed_out = True
        cause = cause.cause
    if message:
        return message
    if cancelled:
        return "the workflow was cancelled; what it had done was undone"
    if timed_out:
        return "a step timed out: is the worker of that host running?"
    return str(failure.cause or failure)


async def backup(arguments):
    try:
        request = json.loads(arguments.input)
    except ValueError as error:
        raise CallerError(f"the input is not JSON: {error}") from error
    check(load_schema(arguments.schemas, "BackupRequest"), request, "the input")
    result_schema = load_schema(arguments.schemas, "BackupResult")
    workflow_id = arguments.workflow_id or f"backup-{request.get('host') or 'default'}-{request.get('domain')}"
    try:
        client = await Client.connect(arguments.address, namespace=arguments.namespace)
    except RuntimeError as error:
        raise CallerError(f"cannot reach Temporal at {arguments.address}: {error}") from error
    try:
        handle = await client.start_workflow(
            "BackupWorkflow", request, id=workflow_id, task_queue=arguments.task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
            id_conflict_policy=WorkflowIDConflictPolicy.FAIL)
    except WorkflowAlreadyStartedError as error:
        raise CallerError(f"a backup of {request.get('domain')} is already running (workflow {workflow_id})") from error
    except RPCError as error:
        raise CallerError(f"cannot start BackupWorkflow {workflow_id}: {error.message}") from error
    try:
        result = await asyncio.wait_for(handle.result(), timeout=arguments.timeout)
    except WorkflowFailureError as failure:
        raise CallerError(workflow_error(failure)) from failure
    except asyncio.TimeoutError as error:
        raise CallerError(f"BackupWorkflow {workflow_id} did not finish in {arguments.timeout:g} s; it goes on") from error
    check(result_schema, result, "the result")
    return result


def main(argv=None):
    arguments = parse_arguments(argv)
    try:
        result = asyncio.run(backup(arguments))
    except Exception as error:  # pylint: disable=broad-except # the contract is one line, whatever failed
        words = str(error) if isinstance(error, CallerError) else f"{type(error).__name__}: {error}"
        # One line, whatever the words underneath were (gRPC's own messages span several).
        print(f"{PROG}: {' '.join(words.split())}", file=sys.stderr)
        return 1
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    status = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # The SDK's native runtime keeps threads of its own, which have been seen to abort the interpreter's
    # finalization now and then (PyGILState_Release, exit 134) after the answer was printed; the answer
    # is complete here, so the process leaves without finalizing and its exit status stays the answer's.
    os._exit(status)
