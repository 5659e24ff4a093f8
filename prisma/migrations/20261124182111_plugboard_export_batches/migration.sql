-- An export belongs to every publish request that asked for it (one result page each), not only the latest.

-- AlterTable
ALTER TABLE "PlugboardExport" ADD COLUMN     "batchIds" UUID[] DEFAULT ARRAY[]::UUID[];

-- Keep existing batch membership.
UPDATE "PlugboardExport" SET "batchIds" = ARRAY["batchId"] WHERE "batchId" IS NOT NULL;

-- DropIndex
DROP INDEX "PlugboardExport_userId_batchId_idx";

-- AlterTable
ALTER TABLE "PlugboardExport" DROP COLUMN "batchId";

-- CreateIndex
CREATE INDEX "PlugboardExport_batchIds_idx" ON "PlugboardExport" USING GIN ("batchIds");
