/** What the API reads through the daemon because it needs the plan in force: backups with RPO/RTO, launch records. */
import type { BackupsDocument } from '../api/contract.js';
import { backupStatus } from '../backups/index.js';
import { launchRecordMarkdown } from '../records/launch-record-markdown.js';
import { buildLaunchRecord } from '../records/launch-record.js';
import type { Store } from '../store/index.js';
import type { PlanSource } from './plan-in-force.js';

/** The API's `backups` and `launchRecord` over the store and the plan in force. */
export function apiReads(store: Store, plans: PlanSource): { backups: (query: { source?: string; all: boolean }) => Promise<BackupsDocument>; launchRecord: (id: string) => Promise<string> } {
  return {
    async backups(query) {
      const { plan } = plans.current.loaded;
      const sources = (await backupStatus({ store, plan })).filter((s) => query.source === undefined || s.source === query.source);
      const backups = await store.backups.list({ service: plan.service, source: query.source, includePruned: query.all });
      return { service: plan.service, sources, backups };
    },
    async launchRecord(id) {
      return launchRecordMarkdown(await buildLaunchRecord(store, id, plans.current.loaded.dir));
    },
  };
}
