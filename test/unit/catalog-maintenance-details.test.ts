/** What the maintenance log stores of a result (long lists cut) and the one-line summaries shown of it. */
import { describe, expect, it } from 'vitest';
import { listedCount, MAX_LISTED, storedDetails, summarizeMaintenance } from '../../core/api/maintenance-details';

describe('storedDetails', () => {
  it('keeps a small result as JSON and cuts long lists, remembering how long they were', () => {
    expect(storedDetails({ version: 3, plan: [{ files: 2 }], skipped: undefined })).toEqual({ version: 3, plan: [{ files: 2 }] });
    const orphans = Array.from({ length: MAX_LISTED + 25 }, (_, i) => ({ object: `/t/o${i}`, size: i }));
    const stored = storedDetails({ orphans, bytes: 10 }) as { orphans: unknown[] };
    expect(stored.orphans).toHaveLength(MAX_LISTED + 1);
    expect(stored.orphans.at(-1)).toBe('… and 25 more');
    expect(listedCount(stored.orphans)).toBe(MAX_LISTED + 25);
    expect(listedCount(orphans.slice(0, 3))).toBe(3);
    expect(listedCount(undefined)).toBe(0);
  });
});

describe('summarizeMaintenance', () => {
  it('says what each operation did or would do', () => {
    const compact = { version: 7, plan: [], filesRemoved: 12, filesAdded: 2, bytesRemoved: 2048, bytesAdded: 1536 };
    expect(summarizeMaintenance({ operation: 'compact', status: 'ok', details: compact })).toBe('v7: 12 files (2 KB) → 2 files (1.5 KB)');
    const plan = { plan: [{ partition: {}, files: 5, bytes: 1024, outputFiles: 1 }], filesRemoved: 0, filesAdded: 0, bytesRemoved: 0, bytesAdded: 0 };
    expect(summarizeMaintenance({ operation: 'compact', status: 'ok', details: plan, dryRun: true })).toBe('1 partition, 5 files (1 KB) → 1 file');
    expect(summarizeMaintenance({ operation: 'compact', status: 'ok', details: { plan: [] } })).toBe('nothing to compact');
    // Iceberg's compaction names the snapshot it committed (not a v0) and the delete files it applied and dropped.
    const iceberg = { ...compact, version: undefined, snapshotId: '8567055494559963826', deleteFilesRemoved: 3 };
    expect(summarizeMaintenance({ operation: 'compact', status: 'ok', details: iceberg })).toBe(
      'snapshot 8567055494559963826: 12 files (2 KB) → 2 files (1.5 KB); 3 delete files dropped',
    );
    const manifests = { snapshotId: '42', plan: [{ specId: 0, manifests: 12, entries: 12, manifestsAfter: 1 }], manifestsRemoved: 12, manifestsAdded: 1 };
    expect(summarizeMaintenance({ operation: 'rewrite-manifests', status: 'ok', details: manifests })).toBe('snapshot 42: 12 data manifests → 1 manifest in 1 partition spec');
    expect(summarizeMaintenance({ operation: 'rewrite-manifests', status: 'ok', details: { ...manifests, dryRun: true } })).toBe(
      '12 data manifests → 1 manifest in 1 partition spec',
    );
    expect(summarizeMaintenance({ operation: 'rewrite-manifests', status: 'ok', details: { plan: [] } })).toBe('nothing to rewrite');
    const verify = { problems: [{ object: 'a', kind: 'bad-magic', detail: '' }], checked: { files: 4, bytes: 4096 }, corruption_rate: 0.25 };
    expect(summarizeMaintenance({ operation: 'verify', status: 'problems', details: verify })).toBe('1 problem in 4 files (4 KB); corruption rate 25.00%');
    expect(summarizeMaintenance({ operation: 'vacuum', status: 'ok', details: { deleted: [{}, {}], bytes: 0, dryRun: true } })).toBe(
      'would delete 2 files (0 B)',
    );
    expect(summarizeMaintenance({ operation: 'expire', status: 'ok', details: { deleted: ['x'], oldestVersion: 4, dryRun: false } })).toBe(
      'deleted 1 log entry; oldest readable version v4',
    );
    expect(summarizeMaintenance({ operation: 'checkpoint', status: 'ok', details: { version: 9, object: 'x' } })).toBe('checkpoint at v9');
  });

  it('gives the error of a failed or cancelled run', () => {
    expect(summarizeMaintenance({ operation: 'vacuum', status: 'failed', details: { error: 'retention under 7 days', code: 'USAGE' } })).toBe(
      'retention under 7 days',
    );
    expect(summarizeMaintenance({ operation: 'compact', status: 'cancelled', details: undefined })).toBe('cancelled');
  });
});
