-- One donor per connection (run wrk with as many threads as connections, so each Lua state
-- drives exactly one connection): pledge over the API, pay with a card the fake gateway
-- accepts, repeat. The end-to-end time of each paid donation (pledge sent → paid answer) is
-- measured here with a monotonic clock; done() prints one JSON line for bench/rush.py.
--   wrk -t400 -c400 -d20s -s donate.lua URL -- <project_id> <tier_id|null> <run id> [setup]
-- "setup" pledges with a SetupIntent (the browser's card form, Stripe.js confirmCardSetup);
-- without it the donor pays with a card it brought (card_setup false: no gateway call at the
-- pledge, one at the payment).
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clk_id, bench_timespec *tp);
]]
local ts = ffi.new("bench_timespec")
local function now()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) * 1e-9
end

local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("donor", #threads)
end

function init(args)
  project, tier, run = args[1], args[2] or "null", args[3] or tostring(os.time())
  card_setup = (args[4] == "setup") and "true" or "false"
  step, seq, started, donation, token = "pledge", 0, 0, nil, nil
  seconds, paid, sold_out, failed, failure = {}, 0, 0, 0, ""
end

local function fail(status, body)
  failed = failed + 1
  if failure == "" then failure = status .. " " .. (body:sub(1, 160):gsub('[%c"\\]', " ")) end
end

local DONOR = '{"tier_id": %s, "card_setup": %s, "amount_yen": 10000, "donor": {"name": "寄附 花子", '
  .. '"name_kana": "キフ ハナコ", "email": "rush%s-%d-%d@example.jp", "phone": "090-1234-5678", '
  .. '"postal_code": "1000001", "address": "東京都千代田区千代田1-1"}}'

function request()
  if step == "pledge" then
    seq = seq + 1
    started = now()
    return wrk.format("POST", "/api/v1/projects/" .. project .. "/donations",
      {["Content-Type"] = "application/json", ["Idempotency-Key"] = run .. "-" .. donor .. "-" .. seq},
      string.format(DONOR, tier, card_setup, run, donor, seq))
  end
  return wrk.format("POST", "/api/v1/donations/" .. donation .. "/pay",
    {["Content-Type"] = "application/json", ["X-Donation-Token"] = token},
    '{"payment_method": "pm_card_visa"}')
end

function response(status, headers, body)
  if step == "pledge" then
    if status == 201 then
      donation = body:match('"id":%s*(%d+)')
      token = body:match('"access_token":%s*"([^"]+)"')
      step = "pay"
    elseif status == 409 and body:find("sold_out", 1, true) then
      sold_out = sold_out + 1
    else
      fail(status, body)
    end
    return
  end
  step = "pledge"
  if status == 200 and body:find('"status":%s*"paid"') then
    paid = paid + 1
    seconds[#seconds + 1] = now() - started
  else
    fail(status, body)
  end
end

function done(summary, latency, requests)
  local all, paid_n, sold_n, failed_n, first = {}, 0, 0, 0, ""
  for _, t in ipairs(threads) do
    for _, s in ipairs(t:get("seconds")) do all[#all + 1] = s end
    paid_n = paid_n + t:get("paid")
    sold_n = sold_n + t:get("sold_out")
    failed_n = failed_n + t:get("failed")
    if first == "" then first = t:get("failure") end
  end
  table.sort(all)
  local function pct(p)
    if #all == 0 then return 0 end
    return all[math.max(1, math.ceil(#all * p / 100))] * 1000
  end
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "seconds": %.3f, "paid": %d, "sold_out": %d, "failed": %d, '
    .. '"p50_ms": %.1f, "p99_ms": %.1f, "max_ms": %.1f, "request_p50_ms": %.2f, '
    .. '"request_p99_ms": %.2f, "socket_errors": %d, "first_failure": "%s"}\n',
    summary.requests, summary.duration / 1e6, paid_n, sold_n, failed_n, pct(50), pct(99),
    pct(100), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    e.connect + e.read + e.write + e.timeout, first))
end
