-- Shared by the bench scripts: reads the request list a run names in
-- BENCH_FILE (one line per request) and prints one parseable summary line.
local M = {}

-- wrk runs init() in each thread's own Lua state; setup() numbers them so
-- that threads start at different requests.
local threads = 0
function M.setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

function M.lines(path)
  local t = {}
  local f = assert(io.open(path, "r"))
  for line in f:lines() do
    if line ~= "" then t[#t + 1] = line end
  end
  f:close()
  assert(#t > 0, "empty request list: " .. path)
  return t
end

function M.headers()
  local h = {}
  local auth = os.getenv("BENCH_AUTH")
  if auth and auth ~= "" then h["Authorization"] = auth end
  local cookie = os.getenv("BENCH_COOKIE")
  if cookie and cookie ~= "" then h["Cookie"] = cookie end
  return h
end

-- "WRK requests duration_us rps p50_ms p90_ms p99_ms max_ms errors"
function M.done(summary, latency)
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.status + e.timeout
  io.write(string.format("WRK %d %d %.1f %.3f %.3f %.3f %.3f %d\n",
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, errors))
end

return M
