#!/usr/bin/env bash
# A partner's webhook receiver verified with the Standard Webhooks project's Python library
# (`standardwebhooks`, PyPI) against `serve --demo` (.ci/webhooks.py).
#
#   .ci/webhooks.sh
#
# Starts target/debug/academy (built by `cargo test`) on SQLite with
# ACADEMY_WEBHOOKS_ALLOW_PRIVATE=true, so that it delivers to the receiver on loopback.
# The library is installed once into target/webhook-tools (version pinned below).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

STANDARDWEBHOOKS=1.1.0

BIN="${ACADEMY_BIN:-${CARGO_TARGET_DIR:-target}/debug/academy}"
TOOLS="${WEBHOOK_TOOLS:-${CARGO_TARGET_DIR:-target}/webhook-tools}"
PORT="${WEBHOOK_PORT:-18391}"
BASE="http://127.0.0.1:$PORT"
WORK="$(mktemp -d)"

if [[ "$(cat "$TOOLS/stamp" 2>/dev/null)" != "$STANDARDWEBHOOKS" ]]; then
  rm -rf "$TOOLS"
  python3 -m venv "$TOOLS"
  "$TOOLS/bin/pip" install --quiet --disable-pip-version-check \
    "standardwebhooks==$STANDARDWEBHOOKS"
  echo "$STANDARDWEBHOOKS" >"$TOOLS/stamp"
fi

# shellcheck source=.ci/service.sh
. .ci/service.sh
export ACADEMY_DATABASE_URL="sqlite://$WORK/webhooks.db?mode=rwc"
export ACADEMY_WEBHOOKS_ALLOW_PRIVATE=true
start_service serve --demo
"$TOOLS/bin/python" .ci/webhooks.py "$BASE"
service_kept_up
