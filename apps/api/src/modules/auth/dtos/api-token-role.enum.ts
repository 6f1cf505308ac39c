import { registerEnumType } from 'type-graphql';

export enum ApiTokenRoleEnum {
  READER = 'reader',
  WRITER = 'writer',
  ADMIN = 'admin',
}

registerEnumType(ApiTokenRoleEnum, { name: 'ApiTokenRole', description: 'READER: read; WRITER: also create studies and import results; ADMIN: also manage tokens.' });
