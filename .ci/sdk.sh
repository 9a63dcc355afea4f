#!/usr/bin/env bash
# Generates the SDKs partners generate (openapi-python-client from PyPI, @hey-api/openapi-ts
# from npm) from the served OpenAPI document, and runs a partner's flow through each
# against the demo (.ci/sdk/flow.py, .ci/sdk/flow.ts). A generator's warning about a lost
# schema or response fails the run, as does `tsc --strict` on the generated code.
#
#   .ci/sdk.sh
#
# Starts target/debug/academy (built by `cargo test`) with `serve --demo` on SQLite. The
# generators are installed once into target/sdk-tools (versions pinned below; TypeScript
# 7 crashes the TypeScript generator today).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTHON_CLIENT=0.29.1
OPENAPI_TS=0.99.0
TYPESCRIPT=5.9.3
TSX=4.23.15
NODE_TYPES=20.19.43

BIN="${ACADEMY_BIN:-${CARGO_TARGET_DIR:-target}/debug/academy}"
TOOLS="${SDK_TOOLS:-${CARGO_TARGET_DIR:-target}/sdk-tools}"
PORT="${SDK_PORT:-18390}"
BASE="http://127.0.0.1:$PORT"
WORK="$(mktemp -d)"
TOOLS="$(mkdir -p "$TOOLS" && cd "$TOOLS" && pwd)"

stamp="$PYTHON_CLIENT $OPENAPI_TS $TYPESCRIPT $TSX $NODE_TYPES"
if [[ "$(cat "$TOOLS/stamp" 2>/dev/null)" != "$stamp" ]]; then
  rm -rf "$TOOLS/py" "$TOOLS/node"
  python3 -m venv "$TOOLS/py"
  "$TOOLS/py/bin/pip" install --quiet --disable-pip-version-check \
    "openapi-python-client==$PYTHON_CLIENT"
  mkdir -p "$TOOLS/node"
  (cd "$TOOLS/node" && echo '{"private": true}' >package.json &&
    npm install --no-audit --no-fund --silent --save-exact \
      "@hey-api/openapi-ts@$OPENAPI_TS" "typescript@$TYPESCRIPT" "tsx@$TSX" \
      "@types/node@$NODE_TYPES")
  echo "$stamp" >"$TOOLS/stamp"
fi

# shellcheck source=.ci/service.sh
. .ci/service.sh
start_service serve --demo
curl -fsS "$BASE/openapi.json" -o "$WORK/openapi.json"

# Fails when a generator's output mentions a warning or a part it left out.
clean_output() {
  local name="$1" log="$2"
  if grep -Eiq 'warn|unable|cannot|skipping|omitted|unsupported' "$log"; then
    echo "$name printed warnings:" >&2
    cat "$log" >&2
    return 1
  fi
}

echo "== Python SDK (openapi-python-client $PYTHON_CLIENT)"
"$TOOLS/py/bin/openapi-python-client" generate --path "$WORK/openapi.json" \
  --output-path "$WORK/py/academy_api_client" --meta none \
  --config .ci/sdk/python-client.yaml >"$WORK/py-gen.log" 2>&1 ||
  { cat "$WORK/py-gen.log" >&2; exit 1; }
clean_output openapi-python-client "$WORK/py-gen.log"
# Every operation of the document became a function.
"$TOOLS/py/bin/python" - "$WORK/openapi.json" "$WORK/py/academy_api_client/api" <<'PY'
import json, pathlib, re, sys
doc = json.load(open(sys.argv[1]))
ops = {op["operationId"] for item in doc["paths"].values() for op in item.values()}
snake = lambda s: re.sub(r"(?<!^)(?=[A-Z])", "_", s).lower()
made = {p.stem for p in pathlib.Path(sys.argv[2]).rglob("*.py") if p.stem != "__init__"}
missing = sorted(o for o in ops if snake(o) not in made)
if missing:
    sys.exit(f"openapi-python-client generated no function for {missing}")
print(f"openapi-python-client: all {len(ops)} operations generated")
PY
PYTHONPATH="$WORK/py" "$TOOLS/py/bin/python" .ci/sdk/flow.py "$BASE"

echo "== TypeScript SDK (@hey-api/openapi-ts $OPENAPI_TS, TypeScript $TYPESCRIPT)"
mkdir -p "$WORK/ts"
cp .ci/sdk/flow.ts "$WORK/ts/flow.ts"
cat >"$WORK/ts/tsconfig.json" <<EOF
{
  "compilerOptions": {
    "target": "ES2022",
    "module": "ESNext",
    "moduleResolution": "Bundler",
    "lib": ["ES2022", "DOM"],
    "types": ["node"],
    "typeRoots": ["$TOOLS/node/node_modules/@types"],
    "strict": true,
    "noEmit": true,
    "skipLibCheck": false
  },
  "include": ["flow.ts", "generated/**/*.ts"]
}
EOF
"$TOOLS/node/node_modules/.bin/openapi-ts" -i "$WORK/openapi.json" -o "$WORK/ts/generated" \
  -c @hey-api/client-fetch >"$WORK/ts-gen.log" 2>&1 ||
  { cat "$WORK/ts-gen.log" >&2; exit 1; }
clean_output openapi-ts "$WORK/ts-gen.log"
ops=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sum(len(i) for i in d["paths"].values()))' "$WORK/openapi.json")
made=$(grep -c '^export const [a-zA-Z]* = ' "$WORK/ts/generated/sdk.gen.ts")
if [[ "$made" -ne "$ops" ]]; then
  echo "openapi-ts generated $made functions for $ops operations" >&2
  exit 1
fi
echo "openapi-ts: all $ops operations generated"
"$TOOLS/node/node_modules/.bin/tsc" -p "$WORK/ts/tsconfig.json"
echo "tsc --strict: the generated SDK and the flow type-check"
(cd "$WORK/ts" && "$TOOLS/node/node_modules/.bin/tsx" flow.ts "$BASE")

service_kept_up
echo "both SDK flows passed"
