import { Field, Int, ObjectType } from 'type-graphql';

@ObjectType('ApiToken', { description: 'An API token (its secret is never shown after creation).' })
export class ApiTokenType {
  @Field(() => Int)
  id!: number;

  @Field()
  name!: string;

  @Field({ description: '`reader`, `writer` or `admin`.' })
  role!: string;

  @Field()
  createdAt!: Date;

  @Field(() => Date, { nullable: true })
  lastUsedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  revokedAt!: Date | null;
}

@ObjectType({ description: 'A new token: `token` is the secret to send as `Authorization: Bearer <token>`; it is shown only now.' })
export class CreatedApiToken {
  @Field()
  token!: string;

  @Field(() => ApiTokenType)
  apiToken!: ApiTokenType;
}

@ObjectType({ description: 'The caller as the server sees it.' })
export class Caller {
  @Field({ description: '`anonymous`, `reader`, `writer` or `admin`.' })
  role!: string;

  @Field()
  name!: string;
}
