/**
 * The mail queue: a row is written in the transaction of the change that wants the mail
 * (enqueueMail), so the mail exists exactly when the change committed; the delivery worker
 * sends it and records the outcome. `variables` (JSON) may hold links with one-time codes:
 * it is emptied once the mail is sent or given up.
 */
export interface MailTables {
  mail_queue: {
    id: import('kysely').Generated<number>;
    app_id: number;
    recipient: string;
    template: string;
    locale: string;
    variables: string;
    /** 'pending' | 'sending' | 'sent' | 'failed' */
    status: string;
    attempts: number;
    next_attempt_at: number;
    lease_owner: string | null;
    lease_expires: number | null;
    last_error: string | null;
    created_at: number;
    finished_at: number | null;
  };
}
