/** Backups as a library: the engine calls runBackups before migrate, the daemon's scheduler scheduledBackup. */
export { runBackups, selectSources, backupConfigOf, type RunBackupsOptions } from './run-backups.js';
export { scheduledBackup, type ScheduledBackupResult } from './scheduled-backup.js';
export { verifyBackup, type VerifyBackupOptions, type VerifyReport } from './verify-backup.js';
export { planRestore, restoreBackup, type RestorePlan, type RestoreOutcome } from './restore-backup.js';
export { planPrune, executePrune, type PruneDecision } from './prune.js';
export { backupStatus, type SourceBackupStatus } from './backup-status.js';
export { applyRetention, describePolicy, type RetentionPolicy, type RetentionDecision } from './retention.js';
export type { BackupDriver } from './backup.js';
export type { ArtifactStore } from './artifact-store.js';
