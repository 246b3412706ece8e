-- Replays requests from a file (one per line: METHOD<TAB>PATH<TAB>TOKEN<TAB>BODY),
-- counts every status code, and prints one JSON line for the Python driver.
--
-- wrk -s requests.lua URL -- FILE MODE THREADS
--   MODE "cycle": every thread loops over all the requests (read-only endpoints)
--   MODE "once":  each request is sent once, threads take disjoint slices
--                 (confirm, delete); a thread stops when its slice is used up.

local threads = {}
local thread_count = 0

function setup(thread)
  thread:set("thread_index", thread_count)
  thread_count = thread_count + 1
  table.insert(threads, thread)
end

local function split(line)
  local fields = {}
  for field in (line .. "\t"):gmatch("([^\t]*)\t") do
    table.insert(fields, field)
  end
  return fields
end

function init(args)
  statuses = {}
  exhausted = 0
  local file, mode = args[1], args[2] or "cycle"
  local all = {}
  for line in io.lines(file) do
    if #line > 0 then
      local f = split(line)
      local headers = {}
      if f[3] ~= nil and #f[3] > 0 then
        headers["Authorization"] = "Bearer " .. f[3]
      end
      local body = nil
      if f[4] ~= nil and #f[4] > 0 then
        body = f[4]
        headers["Content-Type"] = "application/json"
      end
      table.insert(all, wrk.format(f[1], f[2], headers, body))
    end
  end
  requests = {}
  if mode == "once" then
    local count = tonumber(args[3]) or 1
    for i = 1, #all do
      if (i - 1) % count == thread_index then
        table.insert(requests, all[i])
      end
    end
    once = true
  else
    requests = all
    once = false
  end
  position = 0
  filler = wrk.format("GET", "/api/health/live")
end

function request()
  position = position + 1
  if position > #requests then
    if once then
      -- Out of fresh keys: stop this thread instead of sending repeats.
      -- The filler request below is never counted (see response()).
      exhausted = 1
      wrk.thread:stop()
      return filler
    end
    position = 1
  end
  return requests[position]
end

function response(status, headers, body)
  if exhausted == 1 then
    return
  end
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
end

function done(summary, latency, requests_stats)
  local merged = {}
  local stopped = 0
  for _, thread in ipairs(threads) do
    local counts = thread:get("statuses") or {}
    for code, n in pairs(counts) do
      merged[code] = (merged[code] or 0) + n
    end
    stopped = stopped + (thread:get("exhausted") or 0)
  end
  local parts = {}
  for code, n in pairs(merged) do
    table.insert(parts, string.format('"%s": %d', code, n))
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, ' ..
    '"p99_us": %d, "max_us": %d, "statuses": {%s}, "socket_errors": {"connect": %d, ' ..
    '"read": %d, "write": %d, "timeout": %d}, "exhausted_threads": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, table.concat(parts, ", "), e.connect, e.read,
    e.write, e.timeout, stopped))
end
