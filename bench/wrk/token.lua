-- wrk script of bench/bench_identity.py: an OAuth token request (form body, HTTP Basic client authentication),
-- a JSON line of figures at the end (as request.lua).
--   WRK_FORM   the form body, e.g. grant_type=client_credentials&scope=registry:read
--   WRK_BASIC  base64 of client_id:client_secret (empty: no Authorization header)
wrk.method = "POST"
wrk.body = os.getenv("WRK_FORM") or ""
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
local basic = os.getenv("WRK_BASIC")
if basic and basic ~= "" then
  wrk.headers["Authorization"] = "Basic " .. basic
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d, ' ..
    '"mean_us": %.1f, "connect_errors": %d, "read_errors": %d, "write_errors": %d, "status_errors": %d, ' ..
    '"timeouts": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    latency.max, latency.mean, e.connect, e.read, e.write, e.status, e.timeout))
end
