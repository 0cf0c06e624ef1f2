-- wrk script of the serving benchmark: replays the requests of a file, one a line (METHOD, path and an
-- optional JSON body, separated by tabs), in a loop; each thread starts at its own place in the file.
-- Usage: wrk ... -s replay.lua URL -- REQUEST_FILE THREADS. Prints its figures as one JSON line.

local threads_set_up = 0

function setup(thread)
  thread:set("offset", threads_set_up)
  threads_set_up = threads_set_up + 1
end

local requests = {}
local next_index = 0

function init(args)
  local path, threads = args[1], tonumber(args[2] or "1")
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
  next_index = math.floor(#requests * (offset or 0) / threads)
end

function request()
  next_index = next_index % #requests + 1
  return requests[next_index]
end

function done(summary, latency, _)
  local e = summary.errors
  io.write(string.format(
    'SERVEBENCH {"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"mean":%.1f,"max":%d,"p50":%d,"p90":%d,"p99":%d}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency.max, latency:percentile(50), latency:percentile(90), latency:percentile(99)))
end
