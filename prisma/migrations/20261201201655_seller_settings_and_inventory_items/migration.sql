-- AlterTable
ALTER TABLE "Upload" ADD COLUMN     "thumbnailUrl" TEXT;

-- CreateTable
CREATE TABLE "SellerSettings" (
    "userId" UUID NOT NULL,
    "downscalePhotos" BOOLEAN NOT NULL DEFAULT true,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "SellerSettings_pkey" PRIMARY KEY ("userId")
);

-- CreateTable
CREATE TABLE "InventoryItem" (
    "userId" UUID NOT NULL,
    "walkId" UUID NOT NULL,
    "pk" INTEGER NOT NULL,
    "itemchoiceId" INTEGER NOT NULL,
    "sizeId" INTEGER NOT NULL,
    "price" DECIMAL(12,2),
    "quantity" INTEGER NOT NULL,
    "created" TIMESTAMP(3),
    "searchText" TEXT NOT NULL,
    "item" JSONB NOT NULL,
    "walkedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "InventoryItem_pkey" PRIMARY KEY ("userId","walkId","pk")
);

-- CreateIndex
CREATE INDEX "InventoryItem_userId_walkId_created_idx" ON "InventoryItem"("userId", "walkId", "created");

-- AddForeignKey
ALTER TABLE "SellerSettings" ADD CONSTRAINT "SellerSettings_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "InventoryItem" ADD CONSTRAINT "InventoryItem_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;
