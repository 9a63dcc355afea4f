-- wrk script: every request registers a distinct (user, edition) pair.
--
--   wrk -t2 -c64 -d10s --latency -s bench/register.lua http://127.0.0.1:18080 \
--       -- tokens.txt editions.txt 2
--
-- Arguments: the tokens file (one access token per line, one user each), the editions file
-- (one edition id per line) and the number of wrk threads (-t). Each request is
--   POST /api/v1/editions/{edition}/registrations   {}   Authorization: Bearer <token>
--
-- The U users x E editions pairs are numbered p = 0 .. U*E-1 with
--   user = p mod U,  edition = (p div U + user) mod E,
-- so that consecutive pairs differ in both the user and the edition (the requests in flight
-- are spread over the editions and over the users), and every pair occurs once. Thread t
-- (0-based) takes the pairs t, t+T, t+2T, ... so the threads' slices are disjoint. A thread
-- whose slice runs out stops (wrk.thread:stop()); done() then says so, because wrk keeps
-- counting time until the run's end and the rate becomes a lower bound. (wrk builds one
-- request on thread 0 to check the script before the run; that pair is skipped, not sent.
-- "sent" counts the requests built, that one included.)
--
-- Responses are counted by status per thread; done() adds them up across the threads and
-- prints lines the harness reads:
--   register: status 201 <n>
--   register: status <other> <n>
--   register: 201/s <rate>
--   register: pairs <U*E> sent <n> exhausted <yes|no>

local threads = {}
local counter = 0

function setup(thread)
  thread:set("thread_index", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local function read_lines(path)
  local out = {}
  local f = assert(io.open(path, "r"))
  for line in f:lines() do
    local t = line:match("^%s*(.-)%s*$")
    if t ~= "" then
      out[#out + 1] = t
    end
  end
  f:close()
  return out
end

local tokens, editions = {}, {}
local nthreads, next_pair
local headers = { ["Content-Type"] = "application/json" }
local body = "{}"
-- Per-thread results, read by done() through thread:get() (globals of the thread's state).
statuses = ""
sent = 0
exhausted = "no"
pairs_total = 0
first_problem = ""
local counts = {}

function init(args)
  if args[1] == nil or args[2] == nil or args[3] == nil then
    error("usage: wrk ... -s register.lua URL -- TOKENS_FILE EDITIONS_FILE THREADS")
  end
  local raw = read_lines(args[1])
  for i = 1, #raw do
    tokens[i] = "Bearer " .. raw[i]
  end
  editions = read_lines(args[2])
  nthreads = tonumber(args[3])
  if #tokens == 0 then error("no tokens in " .. args[1]) end
  if #editions == 0 then error("no edition ids in " .. args[2]) end
  if nthreads == nil or nthreads < 1 then error("THREADS must be a positive number") end
  if thread_index == nil or thread_index >= nthreads then
    error("thread index " .. tostring(thread_index) .. " outside 0.." .. (nthreads - 1) ..
      "; pass wrk's -t as the third argument")
  end
  pairs_total = #tokens * #editions
  next_pair = thread_index
end

local function encode_counts()
  local parts = {}
  for status, n in pairs(counts) do
    parts[#parts + 1] = status .. "=" .. n
  end
  statuses = table.concat(parts, ",")
end

function request()
  if next_pair >= pairs_total then
    -- wrk asks for one more request whenever a connection is free; nothing is left to send.
    -- The request built here is never answered: the thread stops before it goes out.
    exhausted = "yes"
    wrk.thread:stop()
    return wrk.format("GET", "/health")
  end
  local p = next_pair
  next_pair = next_pair + nthreads
  sent = sent + 1
  local u = p % #tokens
  local e = (math.floor(p / #tokens) + u) % #editions
  headers["Authorization"] = tokens[u + 1]
  return wrk.format("POST", "/api/v1/editions/" .. editions[e + 1] .. "/registrations",
    headers, body)
end

function response(status, hdrs, resp_body)
  counts[status] = (counts[status] or 0) + 1
  encode_counts()
  if status ~= 201 and first_problem == "" then
    first_problem = status .. " " .. tostring(resp_body):sub(1, 300):gsub("%s+", " ")
  end
end

function done(summary, latency, requests)
  local total = {}
  local sent_total, any_exhausted, pairs_all = 0, "no", 0
  for _, thread in ipairs(threads) do
    pairs_all = tonumber(thread:get("pairs_total")) or pairs_all
    local problem = thread:get("first_problem") or ""
    if problem ~= "" then
      io.write("register: first non-201 answer: " .. problem .. "\n")
    end
    local s = thread:get("statuses") or ""
    for status, n in s:gmatch("(%d+)=(%d+)") do
      total[status] = (total[status] or 0) + tonumber(n)
    end
    sent_total = sent_total + (tonumber(thread:get("sent")) or 0)
    if thread:get("exhausted") == "yes" then
      any_exhausted = "yes"
    end
  end
  local keys = {}
  for status in pairs(total) do keys[#keys + 1] = status end
  table.sort(keys)
  if total["201"] == nil then
    io.write("register: status 201 0\n")
  end
  for _, status in ipairs(keys) do
    io.write(string.format("register: status %s %d\n", status, total[status]))
  end
  local seconds = summary.duration / 1e6
  io.write(string.format("register: 201/s %.1f\n", (total["201"] or 0) / seconds))
  io.write(string.format("register: pairs %d sent %d exhausted %s\n",
    pairs_all, sent_total, any_exhausted))
end
