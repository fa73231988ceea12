#!/usr/bin/env bash
# Run a command with the local test servers up; stop them afterwards whatever the command's outcome.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bash "$here/testservers.sh" start
trap 'bash "$here/testservers.sh" stop' EXIT
"$@"
