/**
 * Failed password sign-ins, counted per account and per client address so that every process
 * sharing the database sees the same counts. `subject` is the SHA-256 digest of the sign-in
 * name (lower-cased) or of the address: the table holds no personal data.
 */
export interface SafetyTables {
  login_throttle: {
    app_id: number;
    /** 'account' | 'ip' */
    scope: string;
    subject: string;
    failures: number;
    last_failure_at: number;
    /** Epoch ms before which sign-ins are refused; 0 when not locked. */
    locked_until: number;
  };
}
