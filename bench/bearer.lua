-- wrk script: every request carries a random access token from a file, one token per line.
--
--   wrk -t2 -c64 -d10s --latency -s bench/bearer.lua http://127.0.0.1:18080/api/v1/me -- tokens.txt
--
-- The request path is the one in the URL. Each wrk thread has its own Lua state, loads the
-- file once in init() and seeds its own random generator.

local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("thread_id", counter)
end

local headers = {}
local tokens = {}

function init(args)
  local path = args[1]
  if path == nil then
    error("usage: wrk ... -s bearer.lua URL -- TOKENS_FILE")
  end
  local f = assert(io.open(path, "r"))
  for line in f:lines() do
    local t = line:match("^%s*(.-)%s*$")
    if t ~= "" then
      tokens[#tokens + 1] = "Bearer " .. t
    end
  end
  f:close()
  if #tokens == 0 then
    error("no tokens in " .. path)
  end
  math.randomseed(os.time() * 1000 + (thread_id or 0) * 7919)
end

function request()
  headers["Authorization"] = tokens[math.random(#tokens)]
  return wrk.format("GET", nil, headers)
end
