-- The expiry job (POST /internal/share-link/jobs/expire, run by cron):
-- a link whose expiresAt has passed is deactivated (isActive false in the
-- lists) and marked expired_at, so that giving it a later expiresAt brings
-- it back as before; a link deactivated by its owner has no expired_at.
ALTER TABLE share_links ADD COLUMN expired_at timestamptz;
CREATE INDEX share_links_expiring ON share_links (expires_at)
    WHERE is_active AND expires_at IS NOT NULL;
-- Visitor rows older than the hour no longer decide anything (a click then
-- counts either way): the job deletes them.
CREATE INDEX share_link_visitors_counted ON share_link_visitors (counted_at);
