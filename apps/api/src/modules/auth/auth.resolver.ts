import { type ApiTokenRole } from '@transferscope/db';
import { Arg, Authorized, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { type ApiContext } from '../../server/context';
import { type ApiTokenService } from './api-token.service';
import { ApiTokenType, Caller, CreatedApiToken } from './api-token.type';
import { ApiTokenRoleEnum } from './dtos/api-token-role.enum';

@Resolver()
export class AuthResolver {
  constructor(private readonly tokens: ApiTokenService) {}

  @Query(() => Caller, { description: 'Who the server thinks you are.' })
  me(@Ctx() context: ApiContext): Caller {
    return context.caller;
  }

  @Authorized('admin')
  @Query(() => [ApiTokenType], { description: 'Every API token (admin).' })
  apiTokens(): Promise<ApiTokenType[]> {
    return this.tokens.list();
  }

  @Authorized('admin')
  @Mutation(() => CreatedApiToken, { description: 'Creates a token (admin); the secret is in the answer only.' })
  createApiToken(@Arg('name') name: string, @Arg('role', () => ApiTokenRoleEnum) role: ApiTokenRoleEnum): Promise<CreatedApiToken> {
    return this.tokens.create(name, role as ApiTokenRole);
  }

  @Authorized('admin')
  @Mutation(() => ApiTokenType, { description: 'Revokes a token by name (admin); it stops working at once.' })
  revokeApiToken(@Arg('name') name: string): Promise<ApiTokenType> {
    return this.tokens.revoke(name);
  }
}
