-- wrk script: rotate through a request list (many users' tokens, many students/criteria)
-- and write a JSON summary (p50/p90/p95/p99, statuses, socket errors) to $BENCH_RESULT.
--
-- $BENCH_REQUESTS: one request per line, tab-separated:
--   METHOD  PATH  TOKEN_INDEX(0 = none)  CONTENT_TYPE(- = none)  BODY(- = none)
-- $BENCH_TOKENS: one bearer token per line (index 1 = first line).

local function read_lines(path)
  local lines = {}
  if path == nil or path == "" then return lines end
  local f = assert(io.open(path, "r"), "cannot open " .. path)
  for line in f:lines() do
    if line ~= "" then lines[#lines + 1] = line end
  end
  f:close()
  return lines
end

local function split_tabs(line)
  local out = {}
  for field in (line .. "\t"):gmatch("([^\t]*)\t") do out[#out + 1] = field end
  return out
end

-- Main state: remember every thread so done() can collect their status counts.
local threads = {}
local thread_count = 0

function setup(thread)
  thread:set("tid", thread_count)
  thread_count = thread_count + 1
  threads[#threads + 1] = thread
end

-- Thread states: pre-format every request once, then rotate.
local requests_formatted = {}
local position = 0
statuses = {}

function init(args)
  local tokens = read_lines(os.getenv("BENCH_TOKENS"))
  local lines = read_lines(os.getenv("BENCH_REQUESTS"))
  assert(#lines > 0, "empty request list")
  for i, line in ipairs(lines) do
    local f = split_tabs(line)
    local headers = {}
    local index = tonumber(f[3]) or 0
    if index > 0 then headers["Authorization"] = "Bearer " .. tokens[index] end
    if f[4] ~= nil and f[4] ~= "-" then headers["Content-Type"] = f[4] end
    local body = nil
    if f[5] ~= nil and f[5] ~= "-" then body = f[5] end
    requests_formatted[i] = wrk.format(f[1], f[2], headers, body)
  end
  -- Threads start at different places in the list, so they do not send the same request.
  local threads_total = tonumber(os.getenv("BENCH_THREADS")) or 1
  position = math.floor((tid or 0) * #requests_formatted / threads_total)
end

function request()
  position = position + 1
  if position > #requests_formatted then position = 1 end
  return requests_formatted[position]
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local merged = {}
  for _, thread in ipairs(threads) do
    local counts = thread:get("statuses")
    if counts then
      for code, n in pairs(counts) do merged[code] = (merged[code] or 0) + n end
    end
  end
  local parts = {}
  for code, n in pairs(merged) do parts[#parts + 1] = string.format('"%d": %d', code, n) end
  local e = summary.errors
  local json = string.format(
    '{"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"latency_us": {"min": %d, "mean": %.1f, "stdev": %.1f, "max": %d, ' ..
    '"p50": %d, "p90": %d, "p95": %d, "p99": %d}, "statuses": {%s}}',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.min, latency.mean, latency.stdev, latency.max,
    latency:percentile(50), latency:percentile(90), latency:percentile(95), latency:percentile(99),
    table.concat(parts, ", "))
  local path = os.getenv("BENCH_RESULT")
  if path and path ~= "" then
    local f = assert(io.open(path, "w"))
    f:write(json, "\n")
    f:close()
  else
    io.write(json, "\n")
  end
end
