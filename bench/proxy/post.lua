-- wrk script for bench/proxy/run: every request is a POST of the chat-completion body whose
-- path is in the environment variable BENCH_BODY, sent as application/json.
local path = os.getenv("BENCH_BODY")
local file = assert(io.open(path, "rb"), "cannot open BENCH_BODY=" .. tostring(path))
local body = file:read("*a")
file:close()

wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer bench-key"
