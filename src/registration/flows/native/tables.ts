/**
 * Social Login tokens an oauth/*_native call has taken from Social Login but not yet used up:
 * auth_native answered 310 (the same token registers with register_native) or 380 (it becomes
 * the merge_token of the next sign-in), or a sign-in with it failed. The token is kept as a
 * digest with its sign-in answer sealed, until one call completes with it (and deletes the row)
 * or it expires.
 */
export interface NativeTables {
  native_social_tokens: {
    id: import('kysely').Generated<number>;
    app_id: number;
    token_digest: string;
    identifier: string;
    /** The Social Login answer (auth_info's document), sealed. */
    answer_sealed: string;
    created_at: number;
    expires_at: number;
  };
}
