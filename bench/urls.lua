-- wrk script: GET random paths from the file named by $URLS (one path a line), count
-- non-2xx responses and store cache hits (X-Cache: hit) exactly, and print one
-- machine-readable RESULT line at the end.
--   URLS=bench/out/list.txt wrk -t1 -c16 -d20s --latency -s bench/urls.lua http://127.0.0.1:8899

local file = os.getenv("URLS") or error("set URLS to a file of paths")
local paths = {}
for line in io.lines(file) do
  if line ~= "" then paths[#paths + 1] = line end
end
assert(#paths > 0, "no paths in " .. file)

local threads = {}
function setup(thread)
  thread:set("id", #threads + 1)
  threads[#threads + 1] = thread
end

function init(args)
  math.randomseed(tonumber(os.getenv("SEED") or "1") + (id or 0))
  non2xx = 0
  hits = 0
end

function request()
  return wrk.format("GET", paths[math.random(#paths)])
end

function response(status, headers, body)
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
  if headers["X-Cache"] == "hit" then hits = hits + 1 end
end

function done(summary, latency, requests)
  local bad, hit = 0, 0
  for _, thread in ipairs(threads) do
    bad = bad + (thread:get("non2xx") or 0)
    hit = hit + (thread:get("hits") or 0)
  end
  local e = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format(
    "RESULT requests=%d seconds=%.1f rps=%.1f p50_ms=%.1f p90_ms=%.1f p99_ms=%.1f max_ms=%.1f " ..
    "non2xx=%d socket_errors=%d paths=%d cache_hits=%d\n",
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, bad, e.connect + e.read + e.write + e.timeout, #paths, hit))
end
