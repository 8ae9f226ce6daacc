-- POST /pricing/calculate for seeded products (ids in $BENCH_IDS).
local ids = {}
local f = io.open(os.getenv("BENCH_IDS"), "r")
for line in f:lines() do ids[#ids + 1] = line end
f:close()
local i = 0
request = function()
  i = i + 1
  local body = '{"items":[{"productId":"' .. ids[(i % #ids) + 1] ..
    '","quantity":2,"sellerPrice":9999.00}]}'
  return wrk.format("POST", "/pricing/calculate",
    { ["Content-Type"] = "application/json" }, body)
end
