#!/bin/bash
# Installs what the Python callers in scripts/callers need (the Temporal Python SDK and jsonschema, from
# PyPI) into a virtual environment cached outside the repository, once: it is made again only when the
# pinned versions change. Prints the environment's python.
set -euo pipefail

VENV="${VMBACKUP_CACHE:-/var/cache/vmbackup}/python-callers"
REQUIREMENTS="temporalio==1.35.0 jsonschema==4.25.1"
STAMP="$VENV/vmbackup-requirements"

if [[ -x "$VENV/bin/python" && -f "$STAMP" && "$(cat "$STAMP")" == "$REQUIREMENTS" ]]; then
  echo "$VENV/bin/python"
  exit 0
fi
echo "install-python-callers: installing $REQUIREMENTS into $VENV (once)" >&2
rm -rf "$VENV"
python3 -m venv "$VENV"
# shellcheck disable=SC2086 # one word per requirement
"$VENV/bin/pip" install -q --disable-pip-version-check $REQUIREMENTS >&2
echo "$REQUIREMENTS" >"$STAMP"
echo "$VENV/bin/python"
