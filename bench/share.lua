-- GET /share-links/:code and GET /share/:code (the path is the URL's): the
-- link's public JSON and its HTML share page, each request as one of
-- BENCH_VISITORS visitors (a User-Agent of its own; the address is the
-- same), so that both paths of the click count are taken: a visitor's
-- first visit counts (a visitor row inserted, the link's counter
-- incremented), a repeat within the hour does not.
local visitors = tonumber(os.getenv("BENCH_VISITORS") or "") or 5000
local i = 0
request = function()
  i = i + 1
  local ua = "bench-visitor-" .. ((i * 7919) % visitors)
  return wrk.format("GET", nil, { ["User-Agent"] = ua })
end
