#!/bin/bash
# Regenerates docs/schemas, the JSON Schemas of every workflow's input and result, from the Java records
# (dev.vmbackup.workflows.schema.WorkflowSchemas in the workflows module's test sources, which also
# holds the generator's dependencies). Run it after changing a workflow's records; SchemasUpToDateTest
# fails until the committed files match the code.
set -euo pipefail
cd "$(dirname "$0")/.."

CLASSPATH_FILE="$(mktemp)"
trap 'rm -f "$CLASSPATH_FILE"' EXIT
mvn -B -q -ntp -pl workflows test-compile dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile="$CLASSPATH_FILE" >&2
java -cp "workflows/target/classes:workflows/target/test-classes:$(cat "$CLASSPATH_FILE")" \
  dev.vmbackup.workflows.schema.WorkflowSchemas docs/schemas
