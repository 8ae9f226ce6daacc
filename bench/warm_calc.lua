-- One POST /pricing/calculate for every seeded product id ($BENCH_IDS),
-- each exactly once, then each thread stops: fills the pricing service's
-- copy of the catalog (fcgi/pricing/catalog.c) for products seeded straight
-- into product_db, as a deployment whose products were created through the
-- API has it.  Thread k of n takes ids k+1, k+1+n, ...
local path = os.getenv("BENCH_IDS")
local f = assert(path and io.open(path, "r"), "BENCH_IDS must name a file of product ids")
local ids = {}
for line in f:lines() do ids[#ids + 1] = line end
f:close()

local nthreads = 0
function setup(thread)
  thread:set("k", nthreads)
  nthreads = nthreads + 1
end

local n = nil
local next_i = nil
local sent, answered = 0, 0
function init(args)
  n = tonumber(os.getenv("BENCH_THREADS") or "2")
  next_i = k + 1
end

request = function()
  local i = next_i
  if i > #ids then
    -- Nothing left to send: repeat the last id until the answers are in.
    i = #ids
  else
    next_i = next_i + n
    sent = sent + 1
  end
  local body = '{"items":[{"productId":"' .. ids[i] .. '","quantity":1,"sellerPrice":9999.00}]}'
  return wrk.format("POST", "/pricing/calculate", { ["Content-Type"] = "application/json" }, body)
end

response = function(status, headers, body)
  answered = answered + 1
  if next_i > #ids and answered >= sent then
    wrk.thread:stop()
  end
end
