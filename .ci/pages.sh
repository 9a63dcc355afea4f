#!/usr/bin/env bash
# The pages of mails and QR codes in a real browser: starts target/debug/academy with the
# demo data (SQLite, mails as .eml files), finds a valid and a revoked certificate, asks for
# a password reset and reads the link from the mail file, reads HR's approval link from the
# demo's mails, takes an edition's page and evaluation page, takes the check-in link of the session running today, and has .ci/pages.mjs open them all in Chromium with axe-core.
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
# The parts are quoted-printable: read a link as a mail program would.
mail_link() {
  python3 - "$WORK/data/mail" "$BASE" "$1" "${2:-}" <<'PY'
import email, email.policy, pathlib, re, sys
for path in sorted(pathlib.Path(sys.argv[1]).glob("*.eml")):
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    if sys.argv[4] and sys.argv[4] not in str(message["To"]):
        continue
    body = message.get_body(preferencelist=("plain",))
    found = re.search(re.escape(sys.argv[2]) + sys.argv[3], body.get_content() if body else "")
    if found:
        print(found.group(0))
        break
PY
}
wait_for_link() {
  local link=""
  for _ in $(seq 1 100); do
    link=$(mail_link "$1" "${2:-}" || true)
    [[ -n "$link" ]] && { echo "$link"; return; }
    sleep 0.1
  done
  echo "no mail in $WORK/data/mail links to $1" >&2
  exit 1
}
RESET_URL=$(wait_for_link '/account/password\?token=[A-Za-z0-9_-]+')
# HR's approval request of the demo (the demo writes it).
APPROVAL_URL=$(wait_for_link '/approval\?registration=[0-9a-f-]+&lang=[a-z]+' ingrid.vos@triadevitree.nl)
# The page of an edition in the catalogue (mails about an edition link to it), and the
# evaluation page of the earliest one.
EDITION=$(curl -fsS "$BASE/api/v1/editions?has_seats=true&limit=1" | jq -r '.items[0].id')
EDITION_URL="$BASE/edition?id=$EDITION"
EVALUATION_URL="$BASE/evaluation?edition=$EDITION"

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
  PAGES_APPROVAL="$APPROVAL_URL" PAGES_EDITION="$EDITION_URL" PAGES_EVALUATION="$EVALUATION_URL" \
  PAGES_HR_EMAIL=ingrid.vos@triadevitree.nl \
  PAGES_BASE="$BASE" PAGES_ADMIN_EMAIL=beheer@flevoacademiejeugd.nl \
  node .ci/pages.mjs
