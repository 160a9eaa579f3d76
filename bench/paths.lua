-- wrk script for GET load over a fixed set of paths, taken in turn.
-- FEDCA_BENCH_PATHS: a file of request paths, one a line.
local paths = {}
local i = 0

init = function(args)
  for line in io.lines(os.getenv("FEDCA_BENCH_PATHS")) do
    if #line > 0 then paths[#paths + 1] = line end
  end
end

request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1])
end
