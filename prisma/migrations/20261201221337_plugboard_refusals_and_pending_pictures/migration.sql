-- AlterTable
ALTER TABLE "PlugboardExport" ADD COLUMN     "pendingFileId" TEXT,
ADD COLUMN     "pendingFileSource" TEXT,
ADD COLUMN     "refusedHash" TEXT;
