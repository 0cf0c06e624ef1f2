-- wrk script of the serving benchmark: replays the requests of a file, one a line (METHOD, path and an
-- optional JSON body, separated by tabs), in a loop; each thread starts at its own place in the file.
-- Responses are counted within a window of the monotonic clock (the one Python's time.monotonic reads),
-- so that the benchmark measures a steady state: the window opens after a lead that fills the pipeline.
-- Usage: wrk ... -s replay.lua URL -- REQUEST_FILE THREADS WINDOW_START WINDOW_END
-- Prints its figures as one JSON line.

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } sg_bench_timespec;
int clock_gettime(int clock_id, sg_bench_timespec *tp);
]]
local timespec = ffi.new("sg_bench_timespec")
local function monotonic()
  ffi.C.clock_gettime(1, timespec) -- CLOCK_MONOTONIC
  return tonumber(timespec.tv_sec) + tonumber(timespec.tv_nsec) / 1e9
end

local threads = {}

function setup(thread)
  thread:set("offset", #threads)
  threads[#threads + 1] = thread
end

local requests = {}
local next_index = 0
local window_start, window_end = 0, 0
counted = 0 -- responses within the window (read by done() through thread:get)
failed = 0 -- of which HTTP errors

function init(args)
  local path, thread_count = args[1], tonumber(args[2] or "1")
  window_start, window_end = tonumber(args[3] or "0"), tonumber(args[4] or "1e18")
  for line in io.lines(path) do
    local method, target, body = line:match("^(%u+)\t([^\t]+)\t?(.*)$")
    if method then
      local headers = {}
      if body == "" then
        body = nil
      else
        headers["Content-Type"] = "application/json"
      end
      requests[#requests + 1] = wrk.format(method, target, headers, body)
    end
  end
  if #requests == 0 then
    error("no requests in " .. path)
  end
  next_index = math.floor(#requests * (offset or 0) / thread_count)
end

function request()
  next_index = next_index % #requests + 1
  return requests[next_index]
end

function response(status, headers, body)
  local now = monotonic()
  if now >= window_start and now < window_end then
    counted = counted + 1
    if status >= 400 then
      failed = failed + 1
    end
  end
end

function done(summary, latency, _)
  local in_window, window_failed = 0, 0
  for _, thread in ipairs(threads) do
    in_window = in_window + thread:get("counted")
    window_failed = window_failed + thread:get("failed")
  end
  local e = summary.errors
  io.write(string.format(
    'SERVEBENCH {"requests":%d,"duration_us":%d,"bytes":%d,"window_requests":%d,"window_failed":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"mean":%.1f,"max":%d,"p50":%d,"p90":%d,"p99":%d}}\n',
    summary.requests, summary.duration, summary.bytes, in_window, window_failed,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency.max, latency:percentile(50), latency:percentile(90), latency:percentile(99)))
end
