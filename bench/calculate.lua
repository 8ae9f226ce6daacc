-- POST /pricing/calculate for seeded products (ids in $BENCH_IDS): one line,
-- the default variant, a seller price above every seeded base price (the
-- DEFAULT rule has no markup cap).
local path = os.getenv("BENCH_IDS")
local f = assert(path and io.open(path, "r"),
  "BENCH_IDS must name a file of product ids, one a line (bench/run.sh writes it)")
local ids = {}
for line in f:lines() do ids[#ids + 1] = line end
f:close()
assert(#ids > 0, "BENCH_IDS: no ids in " .. path)
local i = 0
request = function()
  i = i + 1
  local body = '{"items":[{"productId":"' .. ids[(i % #ids) + 1] ..
    '","quantity":2,"sellerPrice":9999.00}]}'
  return wrk.format("POST", "/pricing/calculate",
    { ["Content-Type"] = "application/json" }, body)
end
