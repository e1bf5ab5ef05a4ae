-- The wrk script of `cargo xtask load` (a copy of /work/shared/bench/wrk-report.lua that reads the request
-- body from a file): method and body from the environment, and one machine-readable line at the end.
--   LOAD_METHOD     request method (default GET)
--   LOAD_BODY_FILE  file whose bytes are the request body (Content-Type: application/json)
local m = os.getenv("LOAD_METHOD")
if m and m ~= "" then wrk.method = m end
local f = os.getenv("LOAD_BODY_FILE")
if f and f ~= "" then
  local h = assert(io.open(f, "rb"))
  wrk.body = h:read("*a")
  h:close()
  wrk.headers["Content-Type"] = "application/json"
end

done = function(summary, latency, requests)
  local secs = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    "RESULT rps=%.1f p50_ms=%.4f p99_ms=%.4f requests=%d non2xx=%d sockerr=%d\n",
    summary.requests / secs, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.requests, e.status, e.connect + e.read + e.write + e.timeout))
end
