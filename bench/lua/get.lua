-- GET requests: BENCH_FILE lists paths (with query strings), used in turn,
-- each thread starting at a different place.
package.path = os.getenv("BENCH_LUA") .. "/?.lua;" .. package.path
local c = require("common")
local paths, headers, i

function init(args)
  paths = c.lines(os.getenv("BENCH_FILE"))
  headers = c.headers()
  i = ((tid or 1) - 1) * 997 % #paths
end

function request()
  i = i % #paths + 1
  return wrk.format("GET", paths[i], headers)
end

setup = c.setup
done = c.done
