#!/usr/bin/env bash
# Retries the kinds of hostile inputs of the reliability review (issue 13):
# malformed files, odd values, kills, tampered and read-only stores, bad
# flags. Builds deepnrc, runs scripts/hostile_inputs.py against it and
# prints the counts per category (clear error / unclear / crash / wrong /
# left behind / ok). Exit status 1 when anything crashed, was silently
# wrong or left files behind. Pass -v to list every case.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(mktemp -d)/deepnrc
chmod 755 "$(dirname "$bin")" # the read-only store cases run it as nobody
go build -o "$bin" ./cmd/deepnrc
trap 'rm -rf "$(dirname "$bin")"' EXIT
/usr/bin/python3 scripts/hostile_inputs.py "$bin" "$@"
