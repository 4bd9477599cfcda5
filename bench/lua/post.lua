-- POST requests to BENCH_PATH: BENCH_FILE lists JSON bodies, one a line,
-- used in turn.
package.path = os.getenv("BENCH_LUA") .. "/?.lua;" .. package.path
local c = require("common")
local bodies, headers, path, i

function init(args)
  bodies = c.lines(os.getenv("BENCH_FILE"))
  headers = c.headers()
  headers["Content-Type"] = "application/json"
  path = os.getenv("BENCH_PATH")
  i = ((tid or 1) - 1) * 997 % #bodies
end

function request()
  i = i % #bodies + 1
  return wrk.format("POST", path, headers, bodies[i])
end

setup = c.setup
done = c.done
