-- CreateIndex
CREATE INDEX "AuditEvent_kind_subjectEmail_at_idx" ON "AuditEvent"("kind", "subjectEmail", "at");

-- CreateIndex
CREATE INDEX "AuditEvent_kind_actorEmail_at_idx" ON "AuditEvent"("kind", "actorEmail", "at");
