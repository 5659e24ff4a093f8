-- Every console process keeps a short-lived copy of the sessions it reads (src/accounts/session-store.ts).
-- Whatever changes or ends a session row (sign-out, sign-out everywhere, disabling, a password change or
-- reset, a role change, deleting the account by cascade, pruning) tells every process to drop its copy,
-- at commit, whichever code or tool made the change.
CREATE FUNCTION "session_changed_notify"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('console_session', OLD."id");
  RETURN NULL;
END;
$$;

CREATE TRIGGER "Session_changed_notify" AFTER UPDATE OR DELETE ON "Session"
  FOR EACH ROW EXECUTE FUNCTION "session_changed_notify"();

CREATE FUNCTION "session_truncated_notify"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('console_session', '*');
  RETURN NULL;
END;
$$;

CREATE TRIGGER "Session_truncated_notify" AFTER TRUNCATE ON "Session"
  FOR EACH STATEMENT EXECUTE FUNCTION "session_truncated_notify"();
