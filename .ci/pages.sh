#!/usr/bin/env bash
# The pages of mails and QR codes in a real browser: starts target/debug/academy with the
# demo data (SQLite, mails as .eml files), finds a valid and a revoked certificate, asks for
# a password reset and reads the link from the mail file, takes the check-in link of the
# session running today, and has .ci/pages.mjs open them all in Chromium with axe-core.
#
#   .ci/pages.sh NODE_MODULES_DIR
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

NODE_MODULES="$1"
BIN="${ACADEMY_BIN:-${CARGO_TARGET_DIR:-target}/debug/academy}"
PORT="${PAGES_PORT:-18290}"
BASE="http://127.0.0.1:$PORT"
WORK="$(mktemp -d)"
# shellcheck source=.ci/service.sh
. .ci/service.sh
export ACADEMY_DATABASE_URL="sqlite://$WORK/pages.db?mode=rwc"
start_service serve --demo

token() {
  curl -fsS -d grant_type=password -d "username=$1" -d password=demo-wachtwoord \
    "$BASE/api/v1/auth/token" | jq -r .access_token
}
ADMIN=$(token beheer@flevoacademiejeugd.nl)
TRAINER=$(token marloes.vandenberg@flevoacademiejeugd.nl)
PERSON=sanne.bakker@triadevitree.nl

# Two certificates of the past editions: one stays valid, one is revoked.
CODES=$(curl -fsS -H "Authorization: Bearer $ADMIN" "$BASE/api/v1/certificates?status=valid&limit=2")
VALID_URL=$(jq -r '.items[0].verify_url' <<<"$CODES")
REVOKE_ID=$(jq -r '.items[1].id' <<<"$CODES")
REVOKED_URL=$(jq -r '.items[1].verify_url' <<<"$CODES")
curl -fsS -o /dev/null -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' \
  -d '{"reason": "uitgegeven aan de verkeerde persoon"}' "$BASE/api/v1/certificates/$REVOKE_ID/revoke"

# A password reset: the link comes from the mail file.
curl -fsS -o /dev/null -H 'Content-Type: application/json' -d "{\"email\": \"$PERSON\"}" \
  "$BASE/api/v1/auth/password-reset"
# The parts are quoted-printable: read the link as a mail program would.
reset_link() {
  python3 - "$WORK/data/mail" "$BASE" <<'PY'
import email, email.policy, pathlib, re, sys
for path in sorted(pathlib.Path(sys.argv[1]).glob("*.eml")):
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    body = message.get_body(preferencelist=("plain",))
    found = re.search(re.escape(sys.argv[2]) + r"/account/password\?token=[A-Za-z0-9_-]+", body.get_content() if body else "")
    if found:
        print(found.group(0))
        break
PY
}
RESET_URL=""
for _ in $(seq 1 100); do
  RESET_URL=$(reset_link || true)
  [[ -n "$RESET_URL" ]] && break
  sleep 0.1
done
[[ -n "$RESET_URL" ]] || { echo "no reset mail in $WORK/data/mail" >&2; exit 1; }

# The check-in link of the session running today, as its trainer's screen shows it.
SESSION=$(curl -fsS -H "Authorization: Bearer $TRAINER" "$BASE/api/v1/me/teaching" | jq -r --arg now "$(date -u +%FT%TZ)" \
  '[.items[] | .sessions[]? // empty | select(.starts_at <= $now and .ends_at > $now) | .id][0] // empty')
if [[ -z "$SESSION" ]]; then
  echo "no session of the trainer runs now:" >&2
  curl -fsS -H "Authorization: Bearer $TRAINER" "$BASE/api/v1/me/teaching" >&2
  exit 1
fi
CHECK_IN_URL=$(curl -fsS -H "Authorization: Bearer $TRAINER" "$BASE/api/v1/sessions/$SESSION/check-in-code" | jq -r .url)

PAGES_NODE_MODULES="$NODE_MODULES" PAGES_VALID="$VALID_URL" PAGES_REVOKED="$REVOKED_URL" \
  PAGES_RESET="$RESET_URL" PAGES_CHECK_IN="$CHECK_IN_URL" PAGES_EMAIL="$PERSON" \
  PAGES_BASE="$BASE" PAGES_ADMIN_EMAIL=beheer@flevoacademiejeugd.nl \
  node .ci/pages.mjs
