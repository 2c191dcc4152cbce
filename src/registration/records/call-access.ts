import type { Runtime } from '../../runtime.js';
import { limitedByAccessSchema, type Authorized } from '../authorize.js';
import { accessSchemaFor, type AccessType } from '../schema/access-schemas.js';
import type { EntityType } from '../schema/entity-types.js';
import { AttributeAccess } from './access.js';

/**
 * The access schemas of one records call: authorize() brings the one of the call's own kind
 * (read for reads, write for writes); a write that also reads (a key_attribute selector,
 * include_record) looks up the read schema when it needs it. Undefined: no limit.
 */
export class CallAccess {
  private readonly schemas = new Map<AccessType, Promise<AttributeAccess | undefined>>();
  private readonly limited: boolean;
  /** A `metadata` client: its writes leave lastUpdated as it was. */
  readonly keepLastUpdated: boolean;

  constructor(
    private readonly runtime: Runtime,
    private readonly auth: Authorized,
    private readonly type: EntityType,
    kind: AccessType,
  ) {
    this.limited = limitedByAccessSchema(auth);
    this.keepLastUpdated = auth.keepLastUpdated;
    if (this.limited) this.schemas.set(kind, Promise.resolve(auth.accessSchema && new AttributeAccess(auth.accessSchema)));
  }

  read(): Promise<AttributeAccess | undefined> {
    return this.of('read');
  }

  write(): Promise<AttributeAccess | undefined> {
    return this.of('write');
  }

  private of(kind: AccessType): Promise<AttributeAccess | undefined> {
    if (!this.limited) return Promise.resolve(undefined);
    let schema = this.schemas.get(kind);
    if (!schema) {
      schema = accessSchemaFor(this.runtime.store.db, this.auth.app.id, this.type.name, this.auth.client.clientId, kind).then((paths) => paths && new AttributeAccess(paths));
      this.schemas.set(kind, schema);
    }
    return schema;
  }
}
