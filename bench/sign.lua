-- wrk script for the sign benchmarks: POST /1.0/sign, each request with its own one-time token.
-- FEDCA_BENCH_CSR: a file of CSRs, one JSON string literal a line (taken in turn);
-- FEDCA_BENCH_TOKENS: one token a line.
local prefixes = {}
local tokens = {}
local i = 0

init = function(args)
  for line in io.lines(os.getenv("FEDCA_BENCH_CSR")) do
    if #line > 0 then prefixes[#prefixes + 1] = '{"csr":' .. line .. ',"ott":"' end
  end
  for line in io.lines(os.getenv("FEDCA_BENCH_TOKENS")) do
    tokens[#tokens + 1] = line
  end
end

request = function()
  i = i + 1
  -- Past the last token, requests replay it and count as failures (non-2xx).
  local token = tokens[i] or tokens[#tokens]
  return wrk.format("POST", "/1.0/sign", { ["Content-Type"] = "application/json" }, prefixes[(i % #prefixes) + 1] .. token .. '"}')
end
