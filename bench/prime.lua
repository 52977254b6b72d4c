-- wrk script to fill the store cache before a measurement: GET every path of $URLS in order,
-- $PASSES times over (several passes, because each gunicorn worker has its own local-memory
-- cache and a request lands on either), then stop and create the file $DONE_FILE (wrk itself
-- runs for its whole -d: the caller interrupts it when the file appears, see catalog_http.sh).
-- Prints one PRIME line.
--   URLS=bench/out/list.txt PASSES=4 wrk -t1 -c16 -d60s -s bench/prime.lua http://127.0.0.1:8899

local file = os.getenv("URLS") or error("set URLS to a file of paths")
local passes = tonumber(os.getenv("PASSES") or "4")
local done_file = os.getenv("DONE_FILE")
local paths = {}
for line in io.lines(file) do
  if line ~= "" then paths[#paths + 1] = line end
end
assert(#paths > 0, "no paths in " .. file)

local sent, done_count = 0, 0

function request()
  sent = sent + 1
  return wrk.format("GET", paths[(sent - 1) % #paths + 1])
end

function response(status, headers, body)
  done_count = done_count + 1
  if done_count == #paths * passes then
    if done_file then io.open(done_file, "w"):close() end
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  io.write(string.format("PRIME requests=%d seconds=%.1f paths=%d passes=%d\n",
    summary.requests, summary.duration / 1e6, #paths, passes))
end
