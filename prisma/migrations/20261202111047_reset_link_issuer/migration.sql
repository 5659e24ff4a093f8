-- AlterTable
ALTER TABLE "PasswordReset" ADD COLUMN     "issuedById" UUID;

-- CreateIndex
CREATE INDEX "PasswordReset_issuedById_idx" ON "PasswordReset"("issuedById");

-- AddForeignKey
ALTER TABLE "PasswordReset" ADD CONSTRAINT "PasswordReset_issuedById_fkey" FOREIGN KEY ("issuedById") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;
