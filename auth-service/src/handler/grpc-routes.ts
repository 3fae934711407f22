import type { GrpcRouter } from '@wa/pkg/grpc';
import { AuthService as AuthRpc } from '@wa/pkg/grpc';
import type { AuthService } from '../service/auth-service.ts';

/** gRPC `ValidateToken`: an invalid token is a normal answer (`valid: false`), not an error. */
export function authGrpcRoutes(auth: AuthService) {
  return (router: GrpcRouter) => {
    router.service(AuthRpc, {
      async validateToken(request) {
        const claims = await auth.validateToken(request.token);
        if (!claims) return { valid: false };
        return {
          valid: true,
          userId: claims.userId,
          phone: claims.phone,
          expiresAt: BigInt(claims.expiresAt),
        };
      },
    });
  };
}
