-- wrk: POST APP_BULK_PATH (default /api/app/v1/groups) with every character in APP_CHARACTERS
-- (comma-separated ids) in one body, as a tool asking about 500 characters at once does. The
-- path is set here: the URL wrk is given is the server's root.
wrk.method = "POST"
wrk.path = os.getenv("APP_BULK_PATH") or "/api/app/v1/groups"
wrk.headers["Content-Type"] = "application/json"
wrk.body = "[" .. (os.getenv("APP_CHARACTERS") or "") .. "]"
