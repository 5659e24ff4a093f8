-- AlterTable
ALTER TABLE "Upload" ADD COLUMN     "keyInFlightSince" TIMESTAMP(3);
