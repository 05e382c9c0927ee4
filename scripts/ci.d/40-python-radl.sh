#!/usr/bin/env bash
# The reference RADL parser (PyPI package RADL 1.3.5, the version spec radl.md describes) in the
# git-ignored virtualenv .venv/radl, for test/compiler/differential.test.ts and bench/parse.ts.
# PyYAML is added because IM always has it and REF's configure check() validates recipes with it
# only when it is importable. Idempotent: an existing venv with the right versions is kept.
set -euo pipefail
cd "$(dirname "$0")/../.."

venv=.venv/radl
radl_version=1.3.5
pyyaml_version=6.0.2

if [ -x "$venv/bin/python" ] &&
  "$venv/bin/python" - "$radl_version" "$pyyaml_version" <<'PY' 2>/dev/null; then
import sys
from importlib.metadata import version
import radl.radl_parse, radl.radl_json, yaml
sys.exit(0 if version("RADL") == sys.argv[1] and version("PyYAML") == sys.argv[2] else 1)
PY
  echo "reference RADL $radl_version already in $venv"
  exit 0
fi

rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check "RADL==$radl_version" "PyYAML==$pyyaml_version"
"$venv/bin/python" -c 'import radl.radl_parse, radl.radl_json, yaml'
echo "reference RADL $radl_version installed in $venv"
