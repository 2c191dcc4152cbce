import type { PartnerTables } from '../partner/tables.js';
import type { SocialTables } from '../social/tables.js';
import type { ClientTables } from '../registration/clients/tables.js';
import type { SchemaTables } from '../registration/schema/tables.js';
import type { RecordTables } from '../registration/records/tables.js';
import type { ProviderTables } from '../providers/tables.js';
import type { SettingsTables } from '../registration/settings/tables.js';
import type { AccessTables } from '../registration/access/tables.js';
import type { WebhookTables } from '../registration/webhooks/tables.js';
import type { MailTables } from '../mail/tables.js';
import type { SafetyTables } from '../registration/flows/safety/tables.js';
import type { FlowTables } from '../registration/flows/model/tables.js';
import type { NativeTables } from '../registration/flows/native/tables.js';

/** Every table, as kysely sees it; each domain declares and migrates its own. */
export interface Database extends PartnerTables, SocialTables, ClientTables, SchemaTables, RecordTables, ProviderTables, SettingsTables, AccessTables, WebhookTables, MailTables, SafetyTables, FlowTables, NativeTables {}
