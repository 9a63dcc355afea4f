# Sourced by the CI scripts that drive a running service (schemathesis.sh, pages.sh,
# sdk.sh). They set BIN, PORT, BASE and WORK first; variables such as
# ACADEMY_DATABASE_URL are exported by the caller.

# Starts "$BIN" with the given arguments on $PORT (public URL $BASE, data dir
# $WORK/data, log $WORK/service.log), stops it and removes $WORK on exit, and returns
# once /ready answers.
start_service() {
  [[ -x "$BIN" ]] || cargo build --quiet --bin academy
  ACADEMY_LISTEN="127.0.0.1:$PORT" \
    ACADEMY_PUBLIC_URL="$BASE" \
    ACADEMY_DATA_DIR="$WORK/data" \
    RUST_LOG="${RUST_LOG:-warn}" \
    "$BIN" "$@" >"$WORK/service.log" 2>&1 &
  SERVICE_PID=$!
  trap stop_service EXIT
  local _
  for _ in $(seq 1 600); do
    curl -fsS "$BASE/ready" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "the service did not become ready:" >&2
  cat "$WORK/service.log" >&2
  return 1
}

stop_service() {
  kill -TERM "$SERVICE_PID" 2>/dev/null || true
  wait "$SERVICE_PID" 2>/dev/null || true
  rm -rf "$WORK"
}

# Fails, showing the log, when the service panicked.
service_kept_up() {
  if grep -q "panicked" "$WORK/service.log"; then
    echo "the service panicked:" >&2
    cat "$WORK/service.log" >&2
    return 1
  fi
}
