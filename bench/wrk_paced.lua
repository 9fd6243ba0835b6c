-- wrk script of bench/bench_api_load.py: paced load and a JSON summary line.
-- Each connection waits TC2_PAUSE_MS between an answer and its next request; the bench sets the
-- pause so that its connections together send the rate it wants (see bench_api_load.py).
local pause_ms = tonumber(os.getenv("TC2_PAUSE_MS") or "100")

function delay()
  return pause_ms
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "max_us": %d, ' ..
    '"non_2xx": %d, "socket_errors": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, errors.status, errors.connect + errors.read + errors.write + errors.timeout))
end
