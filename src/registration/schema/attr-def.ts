import { z } from 'zod';

/** Attribute types an attr_def may name (NOTES.md §6); concrete password types carry their hash scheme. */
export const scalarTypes = ['boolean', 'date', 'dateTime', 'decimal', 'integer', 'ipAddress', 'json', 'string', 'uuid', 'id'] as const;
export const containerTypes = ['object', 'plural'] as const;
export const PASSWORD_TYPE = /^password(-[a-z0-9-]+)?$/;

export const constraintNames = ['required', 'unique', 'locally-unique', 'alphabetic', 'alphanumeric', 'unicode-letters', 'unicode-printable', 'email-address'] as const;
export type ConstraintName = (typeof constraintNames)[number];

export const ATTRIBUTE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export type AttrType = (typeof scalarTypes)[number] | (typeof containerTypes)[number] | 'password' | `password-${string}`;

/** One attribute definition as the Registration API shows it (`entityType` → schema.attr_defs). */
export interface AttrDef {
  name: string;
  type: AttrType;
  description?: string | null;
  length?: number | null;
  'case-sensitive'?: boolean;
  constraints?: ConstraintName[];
  features?: string[];
  attr_defs?: AttrDef[];
}

export const attrDefSchema: z.ZodType<AttrDef> = z.lazy(() =>
  z
    .object({
      name: z.string().regex(ATTRIBUTE_NAME, 'attribute names are letters, digits and _ and start with a letter or _').max(64),
      type: z.union([z.enum(scalarTypes), z.enum(containerTypes), z.string().regex(PASSWORD_TYPE)]) as z.ZodType<AttrType>,
      description: z.string().max(1000).nullable().optional(),
      length: z.number().int().positive().max(1_000_000).nullable().optional(),
      'case-sensitive': z.boolean().optional(),
      constraints: z.array(z.enum(constraintNames)).optional(),
      features: z.array(z.string().max(64)).optional(),
      attr_defs: z.array(attrDefSchema).optional(),
    })
    .refine((d) => (d.type === 'object' || d.type === 'plural') === (d.attr_defs !== undefined), {
      message: 'object and plural attributes (and only they) have attr_defs',
    }),
);

/** Reserved in every schema; every plural element also has `id`. */
export const RESERVED_ATTRIBUTES = ['id', 'uuid', 'created', 'lastUpdated'] as const;
