import { readFileSync } from 'node:fs';
import { loadConfig } from '../../../config.js';
import { allMigrations } from '../../../migrations.js';
import { findAppByAppId } from '../../../partner/apps.js';
import { migrateToLatest } from '../../../store/migrate.js';
import { openStore } from '../../../store/store.js';
import { FlowDefinitionError } from './definition.js';
import { importFlow } from './import.js';

const USAGE = 'usage: openrain flows import <file> --app <appId> [--name <flow>]';

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/** `openrain flows import <file> --app <appId> [--name <flow>]`: the config API's import, from a shell. */
export async function flowsCommand(args: string[]): Promise<number> {
  const [sub, file] = args;
  const appId = option(args, '--app');
  if (sub !== 'import' || !file || file.startsWith('--') || !appId) {
    console.error(USAGE);
    return 2;
  }
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    console.error(`openrain: cannot read ${file} as JSON: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
  const config = loadConfig();
  const store = openStore(config.databaseUrl);
  try {
    await migrateToLatest(store, allMigrations);
    const app = await findAppByAppId(store.db, appId);
    if (!app) {
      console.error(`openrain: no application has the appId ${appId}`);
      return 1;
    }
    const imported = await importFlow(store, app.id, document, option(args, '--name'));
    console.log(`${imported.created ? 'created' : 'updated'} flow ${imported.name}, version ${imported.version}`);
    return 0;
  } catch (err) {
    if (err instanceof FlowDefinitionError) {
      console.error(`openrain: ${file} is not a valid flow:\n${err.problems.map((p) => `  ${p}`).join('\n')}`);
      return 1;
    }
    throw err;
  } finally {
    await store.close();
  }
}
