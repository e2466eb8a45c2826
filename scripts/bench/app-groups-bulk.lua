-- wrk: POST /api/app/v1/groups with every character in APP_CHARACTERS (comma-separated ids) in
-- one body, as a tool asking about 500 characters at once does.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = "[" .. (os.getenv("APP_CHARACTERS") or "") .. "]"
