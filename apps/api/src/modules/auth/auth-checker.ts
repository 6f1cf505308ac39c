import { type AuthChecker } from 'type-graphql';
import { ROLE_RANK, type ApiContext, type CallerRole } from '../../server/context';
import { AuthError } from './auth.error';

/** `@Authorized('writer')`: the caller's role must be at least the one named (reader < writer < admin). */
export const roleAuthChecker: AuthChecker<ApiContext, CallerRole> = ({ context, info }, roles) => {
  const required = roles.reduce<CallerRole>((max, role) => (ROLE_RANK[role] > ROLE_RANK[max] ? role : max), 'anonymous');
  const { role } = context.caller;
  if (ROLE_RANK[role] >= ROLE_RANK[required]) return true;
  if (role === 'anonymous') throw new AuthError('UNAUTHENTICATED', `${info.fieldName} needs a token with the ${required} role (send Authorization: Bearer <token>)`);
  throw new AuthError('FORBIDDEN', `${info.fieldName} needs the ${required} role; this token has the ${role} role`);
};
