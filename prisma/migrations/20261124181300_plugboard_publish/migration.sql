-- AlterTable
ALTER TABLE "PlugboardConnection" ADD COLUMN     "language" TEXT;

-- AlterTable
ALTER TABLE "PlugboardExport" ADD COLUMN     "batchId" UUID,
ADD COLUMN     "title" TEXT;

-- CreateIndex
CREATE INDEX "PlugboardExport_userId_batchId_idx" ON "PlugboardExport"("userId", "batchId");
