-- wrk: GET APP_PATH{cid} (default /api/app/v2/groups/{cid}), each request for the next of the
-- characters in APP_CHARACTERS (comma-separated ids), with the Authorization header given by -H.
local ids = {}
for id in string.gmatch(os.getenv("APP_CHARACTERS") or "", "%d+") do
    ids[#ids + 1] = id
end
local path = os.getenv("APP_PATH") or "/api/app/v2/groups/"
local i = 0
request = function()
    i = i % #ids + 1
    return wrk.format("GET", path .. ids[i])
end
