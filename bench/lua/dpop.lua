-- static.lua's fixed request, plus a fresh DPoP proof per request: thread N reads the
-- proofs of BENCH_PROOFS.N (bench/dpop_proofs.py) and sends each once. Past the end it
-- sends the last one again, which the server refuses as a replay (counted as an error).
dofile(os.getenv("BENCH_LUA_DIR") .. "/static.lua")

local report_setup = setup
local threads_started = 0

function setup(thread)
  report_setup(thread)
  thread:set("thread_index", threads_started)
  threads_started = threads_started + 1
end

local proofs = {}
local next_proof = 1

function init(args)
  for line in io.lines(os.getenv("BENCH_PROOFS") .. "." .. thread_index) do
    proofs[#proofs + 1] = line
  end
end

function request()
  wrk.headers["DPoP"] = proofs[math.min(next_proof, #proofs)]
  next_proof = next_proof + 1
  return wrk.format()
end
