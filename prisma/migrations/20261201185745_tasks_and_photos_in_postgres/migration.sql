-- Background work moves onto one task table (src/jobs), photos in flight move into Postgres, and
-- every photo may carry the key its page gave it. Existing uploads and exports keep their state:
-- each gets its task row before the columns that held that state are dropped.

-- CreateEnum
CREATE TYPE "UploadStep" AS ENUM ('image', 'item', 'done');

-- CreateEnum
CREATE TYPE "TaskStatus" AS ENUM ('waiting', 'running', 'done', 'failed');

-- CreateTable
CREATE TABLE "Task" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "queue" TEXT NOT NULL DEFAULT 'default',
    "userId" UUID,
    "data" JSONB NOT NULL DEFAULT '{}',
    "status" "TaskStatus" NOT NULL DEFAULT 'waiting',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "runAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "leaseOwner" TEXT,
    "leaseUntil" TIMESTAMP(3),
    "lastError" TEXT,
    "lastFailure" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "Task_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "UploadPhoto" (
    "id" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "byteSize" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "UploadPhoto_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "UploadPhotoChunk" (
    "photoId" UUID NOT NULL,
    "seq" INTEGER NOT NULL,
    "data" BYTEA NOT NULL,

    CONSTRAINT "UploadPhotoChunk_pkey" PRIMARY KEY ("photoId","seq")
);

-- Photos are JPEG/PNG/WebP/HEIC: already compressed, so Postgres need not try again.
ALTER TABLE "UploadPhotoChunk" ALTER COLUMN "data" SET STORAGE EXTERNAL;

-- AlterTable
ALTER TABLE "Upload" ADD COLUMN     "keySentAt" TIMESTAMP(3),
ADD COLUMN     "photoId" UUID,
ADD COLUMN     "photoKey" TEXT,
ADD COLUMN     "step" "UploadStep" NOT NULL DEFAULT 'image';

-- Each upload's state moves to its task; an unfinished one waits to be picked up again.
UPDATE "Upload" SET "step" = CASE
    WHEN "status" = 'done' OR "sonletItemId" IS NOT NULL THEN 'done'::"UploadStep"
    WHEN "sonletImageId" IS NOT NULL THEN 'item'::"UploadStep"
    ELSE 'image'::"UploadStep" END;

INSERT INTO "Task" ("id", "name", "key", "userId", "data", "status", "attempts", "lastError", "updatedAt", "finishedAt")
SELECT gen_random_uuid(), 'upload', u."id"::text, u."userId", jsonb_build_object('uploadId', u."id"),
    CASE u."status" WHEN 'done' THEN 'done'::"TaskStatus" WHEN 'failed' THEN 'failed'::"TaskStatus" ELSE 'waiting'::"TaskStatus" END,
    CASE WHEN u."status" IN ('done', 'failed') THEN u."attempts" ELSE 0 END,
    u."lastError", CURRENT_TIMESTAMP,
    CASE WHEN u."status" IN ('done', 'failed') THEN u."updatedAt" END
FROM "Upload" u;

INSERT INTO "Task" ("id", "name", "key", "userId", "data", "status", "lastError", "updatedAt", "finishedAt")
SELECT gen_random_uuid(), 'publish', e."id"::text, e."userId", jsonb_build_object('exportId', e."id"),
    CASE e."status" WHEN 'done' THEN 'done'::"TaskStatus" WHEN 'failed' THEN 'failed'::"TaskStatus" ELSE 'waiting'::"TaskStatus" END,
    e."lastError", CURRENT_TIMESTAMP,
    CASE WHEN e."status" IN ('done', 'failed') THEN e."updatedAt" END
FROM "PlugboardExport" e;

-- DropIndex
DROP INDEX "Upload_status_idx";

-- AlterTable
ALTER TABLE "PlugboardExport" DROP COLUMN "lastError",
DROP COLUMN "status";

-- AlterTable
ALTER TABLE "Upload" DROP COLUMN "attempts",
DROP COLUMN "lastError",
DROP COLUMN "leaseOwner",
DROP COLUMN "leaseUntil",
DROP COLUMN "status";

-- DropEnum
DROP TYPE "ExportStatus";

-- DropEnum
DROP TYPE "UploadStatus";

-- CreateIndex
CREATE INDEX "UploadPhoto_createdAt_idx" ON "UploadPhoto"("createdAt");

-- CreateIndex
CREATE INDEX "Task_queue_status_runAt_idx" ON "Task"("queue", "status", "runAt");

-- CreateIndex
CREATE INDEX "Task_userId_idx" ON "Task"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "Task_name_key_key" ON "Task"("name", "key");

-- CreateIndex
CREATE UNIQUE INDEX "Upload_photoId_key" ON "Upload"("photoId");

-- CreateIndex
CREATE UNIQUE INDEX "Upload_userId_photoKey_key" ON "Upload"("userId", "photoKey");

-- AddForeignKey
ALTER TABLE "Upload" ADD CONSTRAINT "Upload_photoId_fkey" FOREIGN KEY ("photoId") REFERENCES "UploadPhoto"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "UploadPhoto" ADD CONSTRAINT "UploadPhoto_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "UploadPhotoChunk" ADD CONSTRAINT "UploadPhotoChunk_photoId_fkey" FOREIGN KEY ("photoId") REFERENCES "UploadPhoto"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Task" ADD CONSTRAINT "Task_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;
