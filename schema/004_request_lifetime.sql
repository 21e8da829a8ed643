-- The lifetime a request was created with. A reissue gives the new link that
-- lifetime, not the time between the request's creation and its latest
-- expiry, which grew with every reissue (60 -> 63 -> 69 s ...). Existing rows
-- get the best value there is: expires_at - created_at.
ALTER TABLE access_requests ADD COLUMN ttl INTEGER NOT NULL DEFAULT 0;
UPDATE access_requests SET ttl = expires_at - created_at;
