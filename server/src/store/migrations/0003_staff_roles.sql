-- The app roles a person presented at their last sign-in (comma-separated). Roles are Entra's and are
-- always taken from the token for the caller; this copy only answers "may this colleague take the
-- work?" when a charge nurse reassigns a task to someone who is not the caller.
ALTER TABLE staff ADD COLUMN roles TEXT NOT NULL DEFAULT '';
