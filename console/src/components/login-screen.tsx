import { useState, type FormEvent } from 'react';
import { useController } from './app-context.ts';
import { Icon } from './icons.tsx';

/** Phone number, then the 6-digit code (the local stack's code is 123456). */
export function LoginScreen() {
  const controller = useController();
  const [phone, setPhone] = useState('');
  const [otp, setOtp] = useState('');
  const [step, setStep] = useState<'phone' | 'otp'>('phone');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError('');
    try {
      if (step === 'phone') {
        await controller.requestOtp(phone.trim());
        setStep('otp');
      } else {
        await controller.verifyOtp(phone.trim(), otp.trim());
      }
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="login" data-testid="login-screen">
      <form className="login-card" onSubmit={(e) => void submit(e)}>
        <div className="login-logo" aria-hidden>
          <Icon name="chat" size={56} />
        </div>
        <h1>WA console</h1>
        {step === 'phone' ? (
          <>
            <p>Enter your phone number in international format.</p>
            <input
              data-testid="phone-input"
              type="tel"
              autoComplete="tel"
              placeholder="+14155550123"
              value={phone}
              onChange={(e) => setPhone(e.target.value)}
              autoFocus
              required
            />
          </>
        ) : (
          <>
            <p>
              Enter the code sent to <strong>{phone}</strong>.
            </p>
            <input
              data-testid="otp-input"
              inputMode="numeric"
              autoComplete="one-time-code"
              placeholder="6-digit code"
              maxLength={6}
              value={otp}
              onChange={(e) => setOtp(e.target.value)}
              autoFocus
              required
            />
          </>
        )}
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <button className="primary" data-testid="login-next" disabled={busy}>
          {step === 'phone' ? 'Next' : 'Verify'}
        </button>
        {step === 'otp' && (
          <button type="button" className="link" onClick={() => setStep('phone')}>
            Use another number
          </button>
        )}
      </form>
    </div>
  );
}
