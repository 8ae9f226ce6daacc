-- GET /products/:id over the seeded ids (one per line in $BENCH_IDS).
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
  return wrk.format("GET", "/products/" .. ids[(i % #ids) + 1])
end
