#!/usr/bin/env bash
# CI: the Pulumi engine (CLI, language host, command provider) built from Go modules into the
# engine cache, or reused from it. The engine tests need it: a failure here fails CI.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/setup-engine.sh
