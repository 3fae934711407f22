import { randomInt } from 'node:crypto';
import bcrypt from 'bcryptjs';

export const generateOtp = (fixedCode?: string): string =>
  fixedCode ?? String(randomInt(0, 1_000_000)).padStart(6, '0');
export const hashOtp = (code: string, rounds: number): Promise<string> => bcrypt.hash(code, rounds);
export const otpMatches = (code: string, hash: string): Promise<boolean> =>
  bcrypt.compare(code, hash);
