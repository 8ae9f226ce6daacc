-- POST /orders as one customer (BENCH_TOKEN, a bearer token) selling through
-- one reseller (BENCH_SELLER, its user id): one line, quantity 1, productId
-- cycling over the seeded ids ($BENCH_IDS), the default variant, a seller
-- price above every seeded base price (bench/seed.sql: at most 5,099.99).
-- The seed gives every variant 1,000,000,000 in stock, so every order must
-- be created: any answer but 201 is counted, and done() prints
--   BENCH_UNEXPECTED <count> <first status> <first body excerpt>
-- which bench/run.sh turns into a failure.
local path = os.getenv("BENCH_IDS")
local f = assert(path and io.open(path, "r"),
  "BENCH_IDS must name a file of product ids, one a line (bench/run.sh writes it)")
local ids = {}
for line in f:lines() do ids[#ids + 1] = line end
f:close()
assert(#ids > 0, "BENCH_IDS: no ids in " .. path)
local token = assert(os.getenv("BENCH_TOKEN"), "BENCH_TOKEN: a customer's access token")
local seller = assert(os.getenv("BENCH_SELLER"), "BENCH_SELLER: a reseller's user id")

local headers = {
  ["Content-Type"] = "application/json",
  ["Authorization"] = "Bearer " .. token,
}
local prefix = '{"sellerId":"' .. seller .. '","items":[{"productId":"'
local suffix = '","quantity":1,"sellerPrice":9999.00}]}'

-- Per thread (each thread has its own Lua state): where to start in the
-- ids, and what came back.
local threads = {}
local nthreads = 0
function setup(thread)
  thread:set("start", nthreads * 7919)
  nthreads = nthreads + 1
  threads[#threads + 1] = thread
end

local i = nil
unexpected = 0
first = ""
request = function()
  i = (i or start or 0) + 1
  return wrk.format("POST", "/orders", headers,
    prefix .. ids[(i % #ids) + 1] .. suffix)
end

response = function(status, hdrs, body)
  if status ~= 201 then
    unexpected = unexpected + 1
    if first == "" then
      first = tostring(status) .. " " .. string.sub(body or "", 1, 200):gsub("[\r\n]", " ")
    end
  end
end

function done(summary, latency, requests)
  local n, first_seen = 0, ""
  for _, t in ipairs(threads) do
    n = n + (t:get("unexpected") or 0)
    local fs = t:get("first")
    if first_seen == "" and fs ~= nil and fs ~= "" then first_seen = fs end
  end
  io.write(string.format("BENCH_UNEXPECTED %d %s\n", n, first_seen))
end
