/** Internal records of the Sonlet sandbox (what it stores; the API serializes them). */

export interface SeedImageSource {
  kind: 'seed';
  styleName: string;
  sizeName: string;
  color: string;
  pattern: string;
}

export interface UploadImageSource {
  kind: 'upload';
  /** Random folder name under uploads/, so media URLs are not guessable. */
  slug: string;
  /** File name of the original inside the folder, e.g. full.png. */
  fullName: string;
  fullType: string;
}

export interface ImageRecord {
  pk: number;
  owner: string;
  created: string;
  source: SeedImageSource | UploadImageSource;
}

export interface ItemRecord {
  pk: number;
  owner: string;
  itemchoiceId: number;
  sizeId: number;
  imageId: number | null;
  quantity: number;
  price: string;
  wholesalePrice: string;
  attributes: Record<string, string>;
  created: string;
}

export interface GrantRecord {
  code: string;
  clientId: string;
  username: string;
  redirectUri: string;
  scope: string;
  codeChallenge: string | null;
  codeChallengeMethod: 'S256' | 'plain' | null;
  expiresAt: number;
}

export interface AccessTokenRecord {
  token: string;
  clientId: string;
  username: string;
  scope: string;
  expiresAt: number;
  refreshToken: string | null;
}

export interface RefreshTokenRecord {
  token: string;
  clientId: string;
  username: string;
  scope: string;
  accessToken: string | null;
  revoked: boolean;
}

export interface SessionRecord {
  id: string;
  username: string;
  csrf: string;
  createdAt: number;
}
