"""Who may download project-tier releases: projects, grants, researcher tokens, audit log.

The Five Safes' "safe projects" and "safe people": a project is approved and granted
datasets; its researchers hold bearer tokens (shown once, stored as a hash, with an
expiry); every download attempt, granted or refused, is appended to the audit log. SQLite
by default, PostgreSQL when ``SAMVERKAN_ACCESS_DB_URL`` says so.
"""
