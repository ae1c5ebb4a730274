-- wrk script: one 100-byte put per request, a new key each time.
-- TARGET=etcd posts to etcd's gRPC gateway (/v3/kv/put, base64 key and value);
-- TARGET=aegis posts to AEGIS (/v1/tx?wait=commit), which answers once the put is committed.
local target = os.getenv("TARGET") or "aegis"
local size = tonumber(os.getenv("VALUE_SIZE") or "100")
local value = string.rep("v", size)
local counter = 0
local thread_id = 0

local b64chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
local function base64(data)
  return ((data:gsub(".", function(x)
    local r, b = "", x:byte()
    for i = 8, 1, -1 do r = r .. (b % 2 ^ i - b % 2 ^ (i - 1) > 0 and "1" or "0") end
    return r
  end) .. "0000"):gsub("%d%d%d?%d?%d?%d?", function(x)
    if #x < 6 then return "" end
    local c = 0
    for i = 1, 6 do c = c + (x:sub(i, i) == "1" and 2 ^ (6 - i) or 0) end
    return b64chars:sub(c + 1, c + 1)
  end) .. ({ "", "==", "=" })[#data % 3 + 1])
end

local encoded_value = base64(value)

function setup(thread)
  thread_id = thread_id + 1
  thread:set("tid", thread_id)
end

function request()
  counter = counter + 1
  local key = "bench-" .. tostring(tid) .. "-" .. tostring(counter) .. "-" .. tostring(math.random(1, 1000000000))
  if target == "etcd" then
    local body = '{"key":"' .. base64(key) .. '","value":"' .. encoded_value .. '"}'
    return wrk.format("POST", "/v3/kv/put", { ["Content-Type"] = "application/json" }, body)
  else
    local body = '{"op":"put","key":"' .. key .. '","value":"' .. value .. '"}'
    return wrk.format("POST", "/v1/tx?wait=commit", { ["Content-Type"] = "application/json" }, body)
  end
end
