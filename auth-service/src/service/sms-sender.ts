import type { Logger } from '@wa/pkg/log';

export interface SmsSender {
  sendOtp(phone: string, code: string): Promise<void>;
}

/** Local development provider: the code goes to the log instead of a phone (addenda B). */
export function createMockSmsSender(log: Logger): SmsSender {
  return {
    sendOtp(phone, code) {
      log.info({ phone, mock_sms_code: code }, 'mock sms: otp sent');
      return Promise.resolve();
    },
  };
}
