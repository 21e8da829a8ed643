-- wrk script for every measurement of the benchmark: requests GET paths read
-- from a file, one a line, and writes a JSON summary when wrk is done.
--
-- Environment:
--   BENCH_PATHS    the file of paths ("/connect/abc...")
--   BENCH_OUT      where done() writes its JSON summary
--   BENCH_THREADS  wrk's -t, which a thread cannot learn otherwise
--   BENCH_ONCE     "1": every path is sent at most once across all threads
--                  (thread k of n takes lines k, k+n, ...); a thread that runs
--                  out repeats its last path and counts it, so the caller can
--                  tell the pool was too small. Otherwise each thread cycles
--                  through all paths, starting at a different offset.
--   BENCH_AUTH     optional bearer token, sent as Authorization on every request
--
-- Requests are formatted once in init(), so request() costs the same for every
-- server under test.

local threads = {}

function setup(thread)
	thread:set("tid", #threads)
	table.insert(threads, thread)
end

function init(args)
	local nthreads = tonumber(os.getenv("BENCH_THREADS") or "1")
	local once = os.getenv("BENCH_ONCE") == "1"
	local auth = os.getenv("BENCH_AUTH")
	local headers = {}
	if auth and auth ~= "" then
		headers["Authorization"] = "Bearer " .. auth
	end

	reqs = {}
	local line = 0
	for path in io.lines(os.getenv("BENCH_PATHS")) do
		if not once or line % nthreads == tid then
			table.insert(reqs, wrk.format("GET", path, headers))
		end
		line = line + 1
	end
	if #reqs == 0 then
		error("no paths for thread " .. tid .. " in " .. os.getenv("BENCH_PATHS"))
	end

	cycle = not once
	repeated = 0
	-- Spread the threads over the pool so they do not walk it in lockstep.
	nextreq = once and 1 or (math.floor(tid * #reqs / nthreads) % #reqs) + 1
end

function request()
	if nextreq > #reqs then
		if not cycle then
			repeated = repeated + 1
			return reqs[#reqs]
		end
		nextreq = 1
	end
	local r = reqs[nextreq]
	nextreq = nextreq + 1
	return r
end

function done(summary, latency, requests)
	local repeats = 0
	for _, thread in ipairs(threads) do
		repeats = repeats + thread:get("repeated")
	end
	local e = summary.errors
	local seconds = summary.duration / 1e6
	local out = assert(io.open(os.getenv("BENCH_OUT"), "w"))
	out:write(string.format(
		'{"requests": %d, "seconds": %.3f, "rps": %.1f, ' ..
		'"p50_ms": %.3f, "p90_ms": %.3f, "p99_ms": %.3f, "max_ms": %.3f, "mean_ms": %.3f, ' ..
		'"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
		'"repeated": %d}\n',
		summary.requests, seconds, summary.requests / seconds,
		latency:percentile(50) / 1e3, latency:percentile(90) / 1e3,
		latency:percentile(99) / 1e3, latency.max / 1e3, latency.mean / 1e3,
		e.connect, e.read, e.write, e.status, e.timeout, repeats))
	out:close()
end
