import type { Generated } from 'kysely';

/** Registration settings (NOTES.md §7): application-wide defaults and per-client values. */
export interface SettingsTables {
  settings_defaults: {
    id: Generated<number>;
    /** Internal `apps.id`. */
    app_id: number;
    key: string;
    value: string;
    updated_at: number;
  };
  settings_clients: {
    id: Generated<number>;
    app_id: number;
    /** The client's public `client_id` (FK api_clients.client_id): its settings go with it. */
    client_id: string;
    key: string;
    value: string;
    updated_at: number;
  };
}
