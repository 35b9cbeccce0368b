-- POST /v2/token as a private_key_jwt client (RFC 7523): client_assertion_type and a signed
-- client_assertion, no secret. BENCH_ASSERTIONS names a file of "client_id assertion" lines,
-- each assertion single-use; each thread takes every other line (run_wrk starts at most
-- two threads, numbered by report.lua's seed), so no assertion is sent twice.
dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")

local bodies = {}
local next_body = 1
local headers = {
  ["Content-Type"] = "application/x-www-form-urlencoded",
  ["X-Forwarded-Proto"] = "https",
}
local assertion_type = "urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer"

function init(args)
  local thread_number = math.floor((seed or 7919) / 7919)  -- 1 or 2
  local line_number = 0
  for line in io.lines(os.getenv("BENCH_ASSERTIONS")) do
    line_number = line_number + 1
    local client_id, assertion = line:match("^(%S+)%s+(%S+)$")
    if client_id and line_number % 2 == thread_number % 2 then
      bodies[#bodies + 1] = "grant_type=client_credentials&client_id=" .. client_id
        .. "&client_assertion_type=" .. assertion_type .. "&client_assertion=" .. assertion
    end
  end
end

function request()
  local body = bodies[next_body]
  next_body = next_body % #bodies + 1
  return wrk.format("POST", nil, headers, body)
end
