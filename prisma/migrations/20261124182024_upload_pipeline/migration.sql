-- AlterTable
ALTER TABLE "Upload" ADD COLUMN     "leaseOwner" TEXT,
ADD COLUMN     "leaseUntil" TIMESTAMP(3),
ADD COLUMN     "sha256" TEXT;

-- CreateIndex
CREATE INDEX "Upload_status_idx" ON "Upload"("status");

-- CreateIndex
CREATE UNIQUE INDEX "Upload_userId_sonletImageId_key" ON "Upload"("userId", "sonletImageId");

-- CreateIndex
CREATE UNIQUE INDEX "Upload_userId_sonletItemId_key" ON "Upload"("userId", "sonletItemId");
