/**
 * One cold round of bench-big.ts in a process of its own: opens the Delta table in argv[2] into a file
 * index, plans a partition-pruned query, and prints its times and the process's peak RSS as JSON.
 */
import { DeltaTable } from '../core/formats/delta/table';
import { DeltaFileIndex } from '../core/sql/delta-file-index';
import { LocalStore } from '../core/storage/local';
import { timed } from './bench-report';

let index: DeltaFileIndex | undefined;
const openMs = await timed(async () => {
  index = await DeltaFileIndex.open(await DeltaTable.open(new LocalStore(process.argv[2])));
});
let planned = 0;
const planMs = await timed(async () => {
  planned = (await index!.prunedFiles(`SELECT count(*) FROM big WHERE day = DATE '2024-02-01'`, 'big'))?.length ?? -1;
});
// maxRSS is in kilobytes.
const peakRssMb = process.resourceUsage().maxRSS / 1024;
console.log(JSON.stringify({ openMs, planMs, files: index!.fileCount, planned, peakRssMb }));
index!.close();
