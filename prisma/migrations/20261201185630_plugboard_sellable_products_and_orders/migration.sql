-- AlterTable
ALTER TABLE "PlugboardConnection" ADD COLUMN     "autoPublish" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "brand" TEXT,
ADD COLUMN     "canEditProducts" BOOLEAN NOT NULL DEFAULT true,
ADD COLUMN     "connectionName" TEXT,
ADD COLUMN     "defaultLanguage" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "languages" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "lastOrdersError" TEXT,
ADD COLUMN     "lastSyncError" TEXT,
ADD COLUMN     "ordersCursor" TIMESTAMP(3),
ADD COLUMN     "ordersPolledAt" TIMESTAMP(3),
ADD COLUMN     "syncedAt" TIMESTAMP(3);

-- A language chosen before becomes one of the seller's languages (the plain fields follow the API root now).
UPDATE "PlugboardConnection" SET "languages" = ARRAY["language"] WHERE "language" IS NOT NULL;
ALTER TABLE "PlugboardConnection" DROP COLUMN "language";

-- AlterTable
ALTER TABLE "PlugboardExport" ADD COLUMN     "contentHash" TEXT,
ADD COLUMN     "listed" BOOLEAN NOT NULL DEFAULT true,
ADD COLUMN     "pictureFileId" TEXT,
ADD COLUMN     "pictureSource" TEXT,
ADD COLUMN     "sentAt" TIMESTAMP(3),
ADD COLUMN     "shopState" TEXT,
ADD COLUMN     "size" TEXT,
ADD COLUMN     "style" TEXT,
ADD COLUMN     "syncError" TEXT,
ADD COLUMN     "thumbnailUrl" TEXT;

-- CreateTable
CREATE TABLE "ShopOrder" (
    "id" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "connectionId" TEXT NOT NULL,
    "localId" TEXT NOT NULL,
    "placedAt" TIMESTAMP(3) NOT NULL,
    "modifiedAt" TIMESTAMP(3) NOT NULL,
    "customerType" TEXT,
    "currency" TEXT,
    "totalSumExclVat" TEXT,
    "totalVat" TEXT,
    "orderStatus" TEXT,
    "sourceName" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ShopOrder_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ShopOrderRow" (
    "id" UUID NOT NULL,
    "orderId" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "rowNo" INTEGER NOT NULL,
    "productLocalId" TEXT,
    "sku" TEXT,
    "title" TEXT,
    "quantity" INTEGER NOT NULL,
    "unitPrice" TEXT,
    "currency" TEXT,
    "sonletItemId" INTEGER,

    CONSTRAINT "ShopOrderRow_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ShopOrder_userId_placedAt_idx" ON "ShopOrder"("userId", "placedAt");

-- CreateIndex
CREATE UNIQUE INDEX "ShopOrder_userId_connectionId_localId_key" ON "ShopOrder"("userId", "connectionId", "localId");

-- CreateIndex
CREATE INDEX "ShopOrderRow_userId_sonletItemId_idx" ON "ShopOrderRow"("userId", "sonletItemId");

-- CreateIndex
CREATE UNIQUE INDEX "ShopOrderRow_orderId_rowNo_key" ON "ShopOrderRow"("orderId", "rowNo");

-- CreateIndex
CREATE INDEX "PlugboardExport_userId_connectionId_localId_idx" ON "PlugboardExport"("userId", "connectionId", "localId");

-- AddForeignKey
ALTER TABLE "ShopOrder" ADD CONSTRAINT "ShopOrder_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ShopOrderRow" ADD CONSTRAINT "ShopOrderRow_orderId_fkey" FOREIGN KEY ("orderId") REFERENCES "ShopOrder"("id") ON DELETE CASCADE ON UPDATE CASCADE;
