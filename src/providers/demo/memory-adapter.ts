type Payload = Record<string, unknown>;
const MAX_ENTRIES = 10_000;

/**
 * Storage for the demo provider's sessions, interactions, codes and tokens: memory of this
 * process (a demo loses them on restart, which only ends sign-ins in progress). Clients come
 * from the database: one per application that has the demo provider enabled.
 */
export function demoAdapterClass(findClient: (id: string) => Promise<Payload | undefined>) {
  const models = new Map<string, Map<string, { payload: Payload; expiresAt: number }>>();
  const table = (name: string) => {
    let t = models.get(name);
    if (!t) {
      t = new Map();
      models.set(name, t);
    }
    return t;
  };
  const live = (entry: { payload: Payload; expiresAt: number } | undefined) => (entry && entry.expiresAt > Date.now() ? entry.payload : undefined);

  return class DemoAdapter {
    private readonly entries: Map<string, { payload: Payload; expiresAt: number }>;
    constructor(private readonly name: string) {
      this.entries = table(name);
    }

    async upsert(id: string, payload: Payload, expiresIn?: number): Promise<void> {
      if (this.entries.size >= MAX_ENTRIES) {
        const now = Date.now();
        for (const [k, v] of this.entries) if (v.expiresAt <= now) this.entries.delete(k);
        if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value as string);
      }
      this.entries.set(id, { payload: { ...payload }, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : Number.POSITIVE_INFINITY });
    }

    async find(id: string): Promise<Payload | undefined> {
      if (this.name === 'Client') return findClient(id);
      return live(this.entries.get(id));
    }

    async findByUid(uid: string): Promise<Payload | undefined> {
      for (const entry of this.entries.values()) if (entry.payload.uid === uid) return live(entry);
      return undefined;
    }

    async findByUserCode(userCode: string): Promise<Payload | undefined> {
      for (const entry of this.entries.values()) if (entry.payload.userCode === userCode) return live(entry);
      return undefined;
    }

    async consume(id: string): Promise<void> {
      const entry = this.entries.get(id);
      if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
    }

    async destroy(id: string): Promise<void> {
      this.entries.delete(id);
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      for (const [k, v] of this.entries) if (v.payload.grantId === grantId) this.entries.delete(k);
    }
  };
}

