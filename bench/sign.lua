-- wrk script for `npm run bench`: POST /1.0/sign, each request with its own one-time token.
-- FEDCA_BENCH_CSR: a file holding the CSR as a JSON string literal; FEDCA_BENCH_TOKENS: one token a line.
local prefix
local tokens = {}
local i = 0

init = function(args)
  local f = assert(io.open(os.getenv("FEDCA_BENCH_CSR"), "r"))
  prefix = '{"csr":' .. f:read("*a") .. ',"ott":"'
  f:close()
  for line in io.lines(os.getenv("FEDCA_BENCH_TOKENS")) do
    tokens[#tokens + 1] = line
  end
end

request = function()
  i = i + 1
  -- Past the last token, requests replay it and count as failures (non-2xx).
  local token = tokens[i] or tokens[#tokens]
  return wrk.format("POST", "/1.0/sign", { ["Content-Type"] = "application/json" }, prefix .. token .. '"}')
end
