-- GET /products/:id over the seeded ids (one per line in $BENCH_IDS).
local ids = {}
local f = io.open(os.getenv("BENCH_IDS"), "r")
for line in f:lines() do ids[#ids + 1] = line end
f:close()
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", "/products/" .. ids[(i % #ids) + 1])
end
