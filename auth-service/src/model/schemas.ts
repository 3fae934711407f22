import { Type, type Static } from 'typebox';

export const Phone = Type.String({ minLength: 1, maxLength: 32, examples: ['+14155550123'] });

export const RequestOtpBody = Type.Object(
  {
    phone: Phone,
    country_code: Type.Optional(
      Type.String({ pattern: '^\\+?[1-9][0-9]{0,3}$', examples: ['+1'] }),
    ),
  },
  { additionalProperties: false },
);
export type RequestOtpBody = Static<typeof RequestOtpBody>;

export const VerifyOtpBody = Type.Object(
  {
    phone: Phone,
    otp: Type.String({ pattern: '^[0-9]{6}$', examples: ['123456'] }),
  },
  { additionalProperties: false },
);
export type VerifyOtpBody = Static<typeof VerifyOtpBody>;

export const RefreshBody = Type.Object(
  { refresh_token: Type.String({ minLength: 1, maxLength: 256 }) },
  { additionalProperties: false },
);

export const LogoutBody = Type.Object(
  {
    refresh_token: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    fcm_token: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
  },
  { additionalProperties: false },
);
export type LogoutBody = Static<typeof LogoutBody>;

export const OtpRequested = Type.Object({
  request_id: Type.String(),
  message: Type.String(),
  expires_in_seconds: Type.Integer(),
});

export const TokenPair = Type.Object({
  access_token: Type.String(),
  refresh_token: Type.String(),
  expires_in: Type.Integer(),
});
export type TokenPair = Static<typeof TokenPair>;

export const LoginResult = Type.Object({
  ...TokenPair.properties,
  user: Type.Object({
    id: Type.String(),
    phone: Type.String(),
    display_name: Type.String(),
    is_new_user: Type.Boolean(),
  }),
});
export type LoginResult = Static<typeof LoginResult>;

export const LoggedOut = Type.Object({ message: Type.String() });

export interface AccessClaims {
  userId: string;
  phone: string;
  expiresAt: number;
}
