#!/usr/bin/env bash
# A real HashiCorp Vault for the Vault-backed credentials tests (im-api.md §3.12): v1.14.1, the last
# MPL-2.0 release, built from the Go module proxy into /usr/local/bin/vault. Tests start their own
# `vault server -dev` on a free loopback port; this script starts nothing. Idempotent.
set -euo pipefail

VERSION=v1.14.1
# The release's api/ and sdk/ are nested modules that its go.mod replaces with local directories the
# module zip leaves out. Use the published api it requires, and the sdk at the release's own commit
# (sdk v0.9.2 from main panics at start-up: "defines a CreateOperation but no ExistenceCheck").
API=v1.9.2
SDK=v0.9.2-0.20230721171514-bf23fe8636b0
# Vault 1.14 was built with Go 1.20/1.21; newer Go refuses some of its dependencies' linknames.
TOOLCHAIN=go1.21.13
BIN=${VAULT_BIN:-/usr/local/bin/vault}

if [ -x "$BIN" ] && "$BIN" version 2>/dev/null | grep -q "^Vault ${VERSION} "; then
  echo "Vault ready: $("$BIN" version)"
  exit 0
fi

[ -x /usr/local/go/bin/go ] && export PATH="$PATH:/usr/local/go/bin"
command -v go >/dev/null 2>&1 || { echo "Go is needed to build Vault" >&2; exit 1; }
work=$(mktemp -d)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
export GOTOOLCHAIN=$TOOLCHAIN
dir=$(cd "$work" && go mod download -json "github.com/hashicorp/vault@${VERSION}" |
  sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')
[ -n "$dir" ] || { echo "could not download github.com/hashicorp/vault@${VERSION}" >&2; exit 1; }
cp -r "$dir" "$work/src"
chmod -R u+w "$work/src"
cd "$work/src"
go mod edit \
  -dropreplace=github.com/hashicorp/vault/api \
  -dropreplace=github.com/hashicorp/vault/api/auth/approle \
  -dropreplace=github.com/hashicorp/vault/api/auth/kubernetes \
  -dropreplace=github.com/hashicorp/vault/api/auth/userpass \
  -dropreplace=github.com/hashicorp/vault/sdk \
  -require="github.com/hashicorp/vault/api@${API}" \
  -require="github.com/hashicorp/vault/sdk@${SDK}"
GOFLAGS=-mod=mod CGO_ENABLED=0 nice go build -trimpath -o "$work/vault" .
install -m 0755 "$work/vault" "$BIN"
echo "Vault ready: $("$BIN" version)"
