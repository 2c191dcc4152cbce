import { z } from 'zod';
import { ParameterError } from '../../http/errors.js';
import { intParam, type Params } from '../../http/params.js';
import type { Runtime } from '../../runtime.js';
import { keyCondition } from '../records/reads.js';
import { findRecord, type Selector } from '../records/record-store.js';
import { recordNotFound } from '../records/writes.js';
import { getEntityType, type EntityType } from '../schema/entity-types.js';
import type { TokenSubject } from './grants.js';

/**
 * Janrain's access/* examples often leave out type_name (`id=4` alone); the standard schema's
 * type is then meant.
 */
export const DEFAULT_TYPE_NAME = 'user';

const typeNameSchema = z.object({ type_name: z.string().min(1).max(64).optional() });

/**
 * The record an access/* call or entity.deleteAccess names: `type_name` (default user) and
 * exactly one of `uuid`, `id`, `key_attribute` + `key_value` (two → 201, none → 100), as the
 * records calls read them. 222 for an unknown type, 310 for no such record.
 */
export async function subjectOf(runtime: Runtime, appId: number, params: Params): Promise<{ type: EntityType; subject: TokenSubject }> {
  const typeName = params.parse(typeNameSchema).type_name ?? DEFAULT_TYPE_NAME;
  const type = await getEntityType(runtime.store.db, appId, typeName);
  const record = await findRecord(runtime.store.db, type, selectorOf(params, type, runtime));
  if (!record) throw recordNotFound();
  return { type, subject: { id: record.id, uuid: record.uuid, typeName: type.name } };
}

const idParam = z.object({ id: intParam(1) });
const uuidParam = z.object({ uuid: z.string().max(64) });
const keyParams = z.object({ key_attribute: z.string().min(1).max(1000), key_value: z.string().min(1).max(10_000) });

function selectorOf(params: Params, type: EntityType, runtime: Runtime): Selector {
  const given = (['uuid', 'id', 'key_attribute'] as const).filter((name) => (params.get(name) ?? '') !== '');
  if (given.length > 1) throw new ParameterError('duplicate', given[1], 'give only one of uuid, id and key_attribute');
  if (given.length === 0) throw new ParameterError('missing', 'uuid');
  if (given[0] === 'id') return { id: params.parse(idParam).id };
  if (given[0] === 'uuid') return { uuid: params.parse(uuidParam).uuid };
  const { key_attribute, key_value } = params.parse(keyParams);
  return keyCondition(runtime.store.dialect, type, key_attribute, key_value);
}
