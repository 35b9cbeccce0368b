-- POST /v2/token (client_secret_post), a client picked at random per request from the
-- file named by BENCH_CLIENTS ("client_id secret" per line; one line = one hot client).
dofile(os.getenv("BENCH_LUA_DIR") .. "/report.lua")

local bodies = {}
local headers = {
  ["Content-Type"] = "application/x-www-form-urlencoded",
  ["X-Forwarded-Proto"] = "https",
}

function init(args)
  math.randomseed(seed or 1)
  for line in io.lines(os.getenv("BENCH_CLIENTS")) do
    local client_id, secret = line:match("^(%S+)%s+(%S+)$")
    if client_id then
      bodies[#bodies + 1] = "grant_type=client_credentials&client_id=" .. client_id .. "&client_secret=" .. secret
    end
  end
end

function request()
  return wrk.format("POST", nil, headers, bodies[math.random(#bodies)])
end
